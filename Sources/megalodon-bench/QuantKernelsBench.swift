import ArgumentParser
import Benchmarks
import Checkpoints
import CommandSupport
import Foundation
import Quantization
import Tensors

/// `megalodon-bench quant-kernels`: weight bandwidth of the quantized matrix-vector kernels against
/// OpenBLAS sgemv on the same matrix, in one run.
struct QuantKernelsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quant-kernels",
        abstract: "Time the quantized and half-precision matrix-vector kernels against OpenBLAS sgemv.",
        usage: "megalodon-bench quant-kernels [<options>]",
        discussion:
            "A random W[rows, columns] is quantized to each scheme and multiplied by one random activation row with every kernel variant this CPU runs (portable C, AVX2, AVX-VNNI, AVX-512 VNNI). The figure reported is gigabytes of weights read per second (the matrix's stored bytes, scales included, divided by the median time of one product), next to OpenBLAS sgemv on the float32 matrix and the f16/bf16 kernel, all measured in this run. Several copies of each matrix are cycled so that at least --working-set-mb of weights is touched between reuses, which keeps the last-level cache from flattering small (4-bit) matrices. Use one thread for the primary figures; the second core of a shared machine may be busy."
    )

    @Option(help: "Output rows of W (outputs).") var rows = 4096
    @Option(help: "Columns of W (inputs).") var columns = 4096
    @Option(help: "Timed repetitions; the median is reported (at least 5).") var repeats = 7
    static let defaultSchemes = "q8_0,q4_0,q4_1,int8-g32-sym-f16,int8-row-sym-f32,int4-g64-asym-f16,int4-g128-sym-f16"
    @Option(
        help: ArgumentHelp(
            "Comma-separated schemes (q8_0, q4_0, q4_1, int8-g64-sym-f16, ...).",
            discussion: "Default: \(defaultSchemes.replacingOccurrences(of: ",", with: ", ")).", valueName: "schemes"))
    var schemes: String?
    @OptionGroup var threading: BenchThreadOptions
    var threads: Int { threading.threads }
    @Option(name: .customLong("working-set-mb"), help: "Minimum megabytes of weights cycled through per measurement.")
    var workingSetMB = 512
    @Flag(
        name: .customLong("thread-cpu-time"),
        help:
            "Time with this thread's CPU clock instead of the wall clock (only with --threads 1): steadier when other processes compete for the cores."
    )
    var threadCPUTime = false
    @Option(
        name: .customLong("prefill-rows"),
        help: "Also time a prefill product with this many activation rows against OpenBLAS sgemm (0 skips it).")
    var prefillRows = 0
    @Option(
        help: ArgumentHelp(
            "Also time the matrices of this GGUF file as stored (k-quants, Q5_x and IQ4_NL included, which cannot be quantized to here).",
            discussion:
                "Without --tensor, the first matrix of each block type the kernels compute with. sgemv runs on the same matrix dequantized to f32.",
            valueName: "file.gguf"))
    var gguf: String?
    @Option(name: .customLong("tensor"), help: "A tensor of the --gguf file to time (repeatable).")
    var tensorNames: [String] = []

    func validate() throws {
        guard rows > 0, columns > 0 else { throw ValidationError("--rows and --columns must be positive") }
        guard repeats >= 5 else { throw ValidationError("--repeats must be at least 5 (got \(repeats))") }
        guard !threadCPUTime || threads == 1 else { throw ValidationError("--thread-cpu-time needs --threads 1") }
        guard gguf != nil || tensorNames.isEmpty else { throw ValidationError("--tensor names tensors of the --gguf file") }
    }

    func run() throws {
        try reportingErrors {
            threading.apply()
            let parsedSchemes = try (schemes ?? Self.defaultSchemes).split(separator: ",").map {
                try QuantizationScheme(parsing: String($0))
            }
            var generator = SystemRandomNumberGenerator()
            let weights = (0..<rows * columns).map { _ in Float.random(in: -0.05...0.05, using: &generator) }
            let x = (0..<columns).map { _ in Float.random(in: -1...1, using: &generator) }
            print(
                "W[\(rows), \(columns)], threads \(threads), median of \(repeats) (\(threadCPUTime ? "thread CPU time" : "wall clock")), kernels: \(KernelVariant.available.map(\.description).joined(separator: ", ")) (default \(KernelVariant.preferred)), OpenBLAS kernels \(BLAS.coreName)"
            )
            threading.printMachine()
            print("kernel".padding(toLength: 34, withPad: " ", startingAt: 0) + "   MB     ms      GB/s   vs sgemv")

            let floatBytes = rows * columns * 4
            let (floatMatrices, sgemv) = sgemvAnchor(weights, rows: rows, columns: columns, x: x)
            let floatCopies = floatMatrices.count
            report("OpenBLAS sgemv f32", floatBytes, sgemv, sgemv)
            for variant in KernelVariant.available where FloatMatrixVector.hasKernel(variant) {
                let own = measure(bytes: floatBytes, copies: floatCopies) { copy, y in
                    floatMatrices[copy].withUnsafeBufferPointer { w in
                        x.withUnsafeBufferPointer {
                            FloatMatrixVector.apply(
                                w.baseAddress!, rows: rows, columns: columns, x: $0.baseAddress!, into: y.baseAddress!, variant: variant)
                        }
                    }
                }
                report("f32 \(variant) (own)", floatBytes, own, sgemv)
            }

            for dtype in [DType.f16, DType.bf16] {
                let half = try Tensor(weights, shape: [rows, columns]).converted(to: dtype)
                let halves = try (0..<copies(half.byteCount)).map { _ in try Tensor(copying: half) }
                for variant in KernelVariant.available {
                    let seconds = measure(bytes: half.byteCount, copies: halves.count) { copy, y in
                        x.withUnsafeBufferPointer {
                            try? HalfPrecisionLinear.apply(halves[copy], to: $0, rows: 1, into: y, variant: variant)
                        }
                    }
                    report("\(dtype) \(variant)", half.byteCount, seconds, sgemv)
                }
            }

            for scheme in parsedSchemes {
                let matrix = try weights.withUnsafeBufferPointer {
                    try Quantizer.quantize($0, rows: rows, columns: columns, scheme: scheme)
                }
                let matrices = try (0..<copies(matrix.byteCount)).map { _ in try matrix.copied() }
                for variant in KernelVariant.available {
                    let seconds = measure(bytes: matrix.byteCount, copies: matrices.count) { copy, y in
                        x.withUnsafeBufferPointer { QuantizedLinear.apply(matrices[copy], to: $0, rows: 1, into: y, variant: variant) }
                    }
                    report("\(scheme) \(variant)", matrix.byteCount, seconds, sgemv)
                }
                // The decode panels models use (same bytes, regrouped) on the variants that read them
                // (AVX-512 VNNI; `DecodePanels` is nil for the others and on CPUs without it).
                for variant in KernelVariant.available {
                    let panels = matrices.compactMap { DecodePanels($0, variant: variant) }
                    guard panels.count == matrices.count else { continue }
                    let seconds = measure(bytes: matrix.byteCount, copies: matrices.count) { copy, y in
                        x.withUnsafeBufferPointer {
                            QuantizedLinear.apply(matrices[copy], to: $0, rows: 1, into: y, variant: variant, panels: panels[copy])
                        }
                    }
                    report("\(scheme) \(variant) panels", matrix.byteCount, seconds, sgemv)
                }
            }
            if prefillRows > 0 { try prefill(weights, parsedSchemes) }
            if let gguf { try storedMatrices(gguf) }
        }
    }

    /// The --gguf file's matrices as stored, against sgemv on each one dequantized (same copies rule).
    private func storedMatrices(_ path: String) throws {
        let file = try GGUFFile(path: path)
        let chosen: [GGUFTensorInfo]
        if tensorNames.isEmpty {
            var seen = Set<String>()
            chosen = file.ggufTensors.filter {
                $0.shape.count == 2 && QuantizationScheme(ggmlType: $0.type) != nil && seen.insert($0.type.name).inserted
            }
        } else {
            chosen = try tensorNames.map { try file.ggufInfo(named: $0) }
        }
        var generator = SystemRandomNumberGenerator()
        for info in chosen {
            let matrix = try QuantizedMatrix(gguf: file.rawTensor(named: info.name), name: info.name)
            let weights = Dequantizer.dequantize(matrix)
            let x = (0..<matrix.columns).map { _ in Float.random(in: -1...1, using: &generator) }
            print("\(info.name) \(info.type.name) [\(matrix.rows), \(matrix.columns)] of \(path)")
            let sgemv = sgemvAnchor(weights, rows: matrix.rows, columns: matrix.columns, x: x).seconds
            report("  OpenBLAS sgemv f32", weights.count * 4, sgemv, sgemv)
            let matrices = try (0..<copies(matrix.byteCount)).map { _ in try matrix.copied() }
            for variant in KernelVariant.available {
                let seconds = measure(bytes: matrix.byteCount, copies: matrices.count, outputs: matrix.rows) { copy, y in
                    x.withUnsafeBufferPointer { QuantizedLinear.apply(matrices[copy], to: $0, rows: 1, into: y, variant: variant) }
                }
                report("  \(info.type.name) \(variant)", matrix.byteCount, seconds, sgemv)
            }
        }
    }

    /// x[prefillRows, columns] · Wᵀ: GFLOP/s of each kernel next to sgemm (one matrix, no cycling:
    /// prefill reuses each weight row across many activation rows, so it is compute-bound).
    private func prefill(_ weights: [Float], _ schemes: [QuantizationScheme]) throws {
        var generator = SystemRandomNumberGenerator()
        let x = (0..<prefillRows * columns).map { _ in Float.random(in: -1...1, using: &generator) }
        let flops = 2 * Double(prefillRows) * Double(rows) * Double(columns)
        print(
            "prefill x[\(prefillRows), \(columns)] · Wᵀ".padding(toLength: 34, withPad: " ", startingAt: 0)
                + "          ms   GFLOP/s  vs sgemm")
        func line(_ label: String, _ seconds: Double, _ sgemmSeconds: Double) {
            print(
                label.padding(toLength: 34, withPad: " ", startingAt: 0)
                    + String(format: "      %7.2f %8.1f %8.2fx", seconds * 1e3, flops / seconds / 1e9, sgemmSeconds / seconds))
        }
        let sgemm = median {
            var y = [Float](repeating: 0, count: prefillRows * rows)
            x.withUnsafeBufferPointer { xp in
                weights.withUnsafeBufferPointer { wp in
                    y.withUnsafeMutableBufferPointer {
                        BLAS.linear(
                            xp.baseAddress!, rows: prefillRows, inputs: columns, weight: wp.baseAddress!, outputs: rows,
                            into: $0.baseAddress!)
                    }
                }
            }
        }
        line("OpenBLAS sgemm f32", sgemm, sgemm)
        for scheme in schemes {
            let matrix = try weights.withUnsafeBufferPointer { try Quantizer.quantize($0, rows: rows, columns: columns, scheme: scheme) }
            let seconds = median { _ = QuantizedLinear.apply(matrix, to: x, rows: prefillRows) }
            line("\(scheme) \(KernelVariant.preferred)", seconds, sgemm)
        }
    }

    /// Distinct f32 copies of W (an array copy would share one buffer through copy-on-write, and a single
    /// 64 MB matrix stays in a large last-level cache, flattering sgemv) and sgemv's median seconds a
    /// product over them.
    private func sgemvAnchor(_ weights: [Float], rows: Int, columns: Int, x: [Float]) -> (matrices: [[Float]], seconds: Double) {
        let matrices = (0..<copies(weights.count * 4)).map { _ in weights.withUnsafeBufferPointer { Array($0) } }
        let seconds = measure(bytes: weights.count * 4, copies: matrices.count, outputs: rows) { copy, y in
            matrices[copy].withUnsafeBufferPointer { w in
                x.withUnsafeBufferPointer {
                    BLAS.sgemv(w.baseAddress!, rows: rows, columns: columns, x: $0.baseAddress!, into: y.baseAddress!)
                }
            }
        }
        return (matrices, seconds)
    }

    /// The timing clock `--thread-cpu-time` chose.
    private var clock: Timing.Clock { threadCPUTime ? .threadCPU : .wall }

    private func median(_ body: () -> Void) -> Double {
        body()
        return Timing.measure(repeats: repeats, clock: clock, body).median
    }

    private func copies(_ bytes: Int) -> Int { max(1, (workingSetMB << 20) / max(bytes, 1) + 1) }

    /// Median seconds per product; each repetition cycles once through all copies.
    private func measure(
        bytes: Int, copies: Int, outputs: Int? = nil, _ body: (Int, UnsafeMutableBufferPointer<Float>) -> Void
    ) -> Double {
        var y = [Float](repeating: 0, count: outputs ?? rows)
        func cycle() { y.withUnsafeMutableBufferPointer { out in for copy in 0..<copies { body(copy, out) } } }
        cycle()  // warm up, fault pages in
        return Timing.measure(repeats: repeats, clock: clock, cycle).median / Double(copies)
    }

    private func report(_ label: String, _ bytes: Int, _ seconds: Double, _ sgemvSeconds: Double) {
        let megabytes = Double(bytes) / 1e6
        let line =
            label.padding(toLength: 34, withPad: " ", startingAt: 0)
            + String(format: "%6.1f %7.3f %8.2f %8.2fx", megabytes, seconds * 1e3, Double(bytes) / seconds / 1e9, sgemvSeconds / seconds)
        print(line)
    }
}

extension Tensor {
    /// A copy in its own buffer (so several copies occupy distinct memory).
    init(copying other: Tensor) throws {
        try self.init(dtype: other.dtype, shape: other.shape, storage: Storage(copying: other.storage.bytes))
    }
}

extension QuantizedMatrix {
    func copied() throws -> QuantizedMatrix {
        try QuantizedMatrix(
            scheme: scheme, rows: rows, columns: columns, codes: Storage(copying: codes.bytes),
            scales: scales.map { Storage(copying: $0.bytes) }, biases: biases.map { Storage(copying: $0.bytes) })
    }
}
