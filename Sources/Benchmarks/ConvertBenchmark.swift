import Checkpoints
import Conversion
import Foundation
import Tensors

/// Throughput and memory of a conversion on a synthetic checkpoint, next to a plain copy of the
/// same bytes measured in the same run (so the ratio holds on a noisy, shared machine).
public struct ConvertBenchmark {
    public struct Row: Sendable {
        public var label: String
        public var seconds: Double
        public var bytes: Int
        /// Peak resident set during this step (VmHWM after a reset), when the kernel reports it.
        public var peakResidentBytes: Int?
        public var outputBytes: Int
        public var gigabytesPerSecond: Double { Double(bytes) / seconds / 1e9 }
    }

    public var folder: String
    public var totalBytes: Int
    public var largestTensorBytes: Int
    public var dtype: DType = .bf16

    public init(folder: String, totalBytes: Int, largestTensorBytes: Int) {
        (self.folder, self.totalBytes, self.largestTensorBytes) = (folder, totalBytes, largestTensorBytes)
    }

    /// Tensor shapes adding up to `totalBytes`: one of the largest size, the rest in a mix of
    /// quarter- and sixteenth-size matrices plus small vectors, as in a transformer. The names follow
    /// no model family, so no configuration is needed.
    public func tensors() -> [TensorInfo] {
        let width = dtype.byteWidth ?? 2
        let columns = 4096
        func matrix(_ name: String, bytes: Int) -> TensorInfo {
            TensorInfo(name: name, dtype: dtype, shape: [max(1, bytes / width / columns), columns])
        }
        var infos = [matrix("token_table.weight", bytes: largestTensorBytes)]
        var used = infos[0].byteCount
        var layer = 0
        while used < totalBytes {
            for (part, fraction) in [("wq", 16), ("wk", 16), ("fc1", 4), ("fc2", 4)] {
                let info = matrix("layers.\(layer).\(part).weight", bytes: largestTensorBytes / fraction)
                infos.append(info)
                used += info.byteCount
            }
            let norm = TensorInfo(name: "layers.\(layer).norm.weight", dtype: dtype, shape: [columns])
            infos.append(norm)
            used += norm.byteCount
            layer += 1
        }
        return infos
    }

    /// Writes the synthetic input (values: a cheap pattern, not compressible to nothing).
    public func makeInput() throws -> String {
        let path = folder + "/input.safetensors"
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        try SafetensorsWriter.write(to: path, tensors: tensors(), metadata: [("format", "pt")], overwrite: true) { info in
            try Tensor(
                dtype: info.dtype, shape: info.shape,
                storage: Storage(count: info.byteCount) { bytes in
                    let words = bytes.bindMemory(to: UInt64.self)
                    for index in words.indices {
                        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                        // Keep bf16 exponents in a weight-like range so the data resembles real weights.
                        words[index] = (seed >> 8) & 0x3FFF_3FFF_3FFF_3FFF | 0x3C00_3C00_3C00_3C00
                    }
                })
        }
        return path
    }

    /// A plain copy of `input` (1 MiB read(2) calls into one buffer, written through the same
    /// buffered, fsynced, atomically renamed output the converter uses), the anchor.
    public func plainCopy(_ input: String) throws -> Row {
        let output = folder + "/copy.bin"
        try? FileManager.default.removeItem(atPath: output)
        let size = (try FileManager.default.attributesOfItem(atPath: input)[.size] as? Int) ?? 0
        return try measure("plain copy (read + write + fsync)", bytes: size, output: output) {
            let descriptor = open(input, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw ConversionError.cannotCopy(path: input, reason: "cannot open") }
            defer { close(descriptor) }
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            try AtomicOutput.writeFile(at: output, overwrite: true) { file in
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                    guard count > 0 else {
                        if count < 0 { throw ConversionError.cannotCopy(path: input, reason: String(cString: strerror(errno))) }
                        break
                    }
                    try buffer.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                }
            }
        }
    }

    /// Converts `input` with `dtype` (nil = same dtype) to `kind`.
    public func convert(
        _ input: String, label: String, kind: OutputKind, dtype: DType?, output name: String, level: Int = 3, bytePlanes: Bool = true
    ) throws -> Row {
        let output = folder + "/" + name
        try? FileManager.default.removeItem(atPath: output)
        let opened = try CheckpointInput.open(input)
        var conversion = try Conversion(input: opened, kind: kind, names: .canonical, dtype: dtype)
        conversion.overwrite = true
        conversion.compressionLevel = level
        conversion.bytePlanes = bytePlanes
        let bytes = (try? FileManager.default.attributesOfItem(atPath: input)[.size] as? Int) ?? conversion.totalBytes
        return try measure(label, bytes: bytes, output: output) { try conversion.write(to: output) }
    }

    /// The zstd container of `input` (any checkpoint): its size, the time to write it, and the time
    /// to decode every tensor back (checksums included), in memory only.
    public func container(of input: String, level: Int, bytePlanes: Bool, dtype: DType?) throws -> (Row, decodeSeconds: Double) {
        let name = "container-\(level)-\(bytePlanes ? "planes" : "plain")-\(dtype?.rawValue ?? "same").mzst"
        let row = try convert(
            input, label: "\(dtype?.rawValue ?? "same dtype"), level \(level), \(bytePlanes ? "byte planes" : "no planes")", kind: .zstd,
            dtype: dtype, output: name, level: level, bytePlanes: bytePlanes)
        let file = try ZstdContainerFile(path: folder + "/" + name)
        let decode = try Timing.seconds { for info in file.tensorInfos { _ = try file.tensor(named: info.name) } }.seconds
        try? FileManager.default.removeItem(atPath: folder + "/" + name)
        return (row, decode)
    }

    private func measure(_ label: String, bytes: Int, output: String, _ body: () throws -> Void) throws -> Row {
        PeakMemory.reset()
        let seconds = try Timing.seconds(body).seconds
        return Row(label: label, seconds: seconds, bytes: bytes, peakResidentBytes: PeakMemory.bytes, outputBytes: Self.size(of: output))
    }

    static func size(of path: String) -> Int {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return 0 }
        guard isDirectory.boolValue else { return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).reduce(0) { $0 + size(of: path + "/" + $1) }
    }
}

extension ConvertBenchmark {
    /// The synthetic run: `repeats` interleaved rounds of a plain copy and a same-dtype conversion
    /// (the fastest of each kept, with the largest peak), then a widening conversion to f32 and,
    /// with `zstd`, the container. `copySeconds` and `conversionSeconds` list every round.
    public struct SyntheticFigures: Sendable {
        public var rows: [Row]
        public var copySeconds: [Double]
        public var conversionSeconds: [Double]
    }

    public func synthetic(repeats: Int, zstd: Bool, note: (String) -> Void = { _ in }) throws -> SyntheticFigures {
        note("writing the synthetic checkpoint")
        let input = try makeInput()
        var copies: [Row] = [], conversions: [Row] = []
        for round in 1...max(1, repeats) {
            note("round \(round): plain copy, then safetensors → model directory (same dtype)")
            copies.append(try plainCopy(input))
            conversions.append(
                try convert(input, label: "convert → model directory (bf16, same dtype)", kind: .directory, dtype: nil, output: "same"))
        }
        func fastest(_ rows: [Row]) -> Row {
            var best = rows.min { $0.seconds < $1.seconds } ?? rows[0]
            best.peakResidentBytes = rows.compactMap(\.peakResidentBytes).max()
            return best
        }
        var rows = [fastest(copies), fastest(conversions)]
        note("safetensors → model directory, bf16 → f32")
        rows.append(try convert(input, label: "convert → model directory (bf16 → f32)", kind: .directory, dtype: .f32, output: "f32"))
        if zstd {
            note("safetensors → zstd container")
            rows.append(try convert(input, label: "convert → .mzst (level 3, byte planes)", kind: .zstd, dtype: nil, output: "c.mzst"))
        }
        return SyntheticFigures(rows: rows, copySeconds: copies.map(\.seconds), conversionSeconds: conversions.map(\.seconds))
    }

    /// Bytes of `input` converted unchanged to `dtype`: the container figures' denominator.
    public func storedBytes(of input: String, dtype: DType) throws -> Int {
        try Conversion(input: try CheckpointInput.open(input), kind: .zstd, names: .canonical, dtype: dtype).totalBytes
    }
}
