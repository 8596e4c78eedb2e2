import Foundation
import Tensors

/// Writes a zstd container in one pass: a frame per tensor as it streams by (each tensor's bytes,
/// optionally split into byte planes, compressed at `level`), then the index and the footer.
/// Only one tensor is held at a time; the file appears atomically under its name when complete.
public struct ZstdContainerWriter {
    public var level: Int
    public var bytePlanes: Bool
    /// Called after each tensor with the uncompressed bytes written so far.
    public var progress: (Int) -> Void = { _ in }
    static let chunkSize = 1 << 20

    public init(level: Int = 3, bytePlanes: Bool = true) {
        self.level = level
        self.bytePlanes = bytePlanes
    }

    public func write(_ source: TensorSource, metadata: [String: String] = [:], to path: String, overwrite: Bool) throws {
        try AtomicOutput.writeFile(at: path, overwrite: overwrite) { file in
            try write(source, metadata: metadata, into: file)
        }
    }

    func write(_ source: TensorSource, metadata: [String: String], into file: OutputFile) throws {
        guard let compressor = ZstdCompressor(level: level) else {
            throw ZstdContainerError.compressionFailed(path: file.path, tensor: "", reason: "cannot create a zstd context")
        }
        try file.write(ZstdContainer.headerMagic)
        try withUnsafeBytes(of: ZstdContainer.version.littleEndian) { try file.write($0) }
        var entries: [ZstdContainer.Entry] = []
        var done = 0
        var scratch = [UInt8](repeating: 0, count: Self.chunkSize)
        for info in source.tensorInfos {
            let tensor = try source.tensor(named: info.name)
            guard tensor.dtype == info.dtype, tensor.shape == info.shape else {
                throw ZstdContainerError.producedTensorMismatch(path: file.path, tensor: info.name)
            }
            let planes = ZstdContainer.planes(for: info.dtype, split: bytePlanes)
            let offset = file.bytesWritten
            do {
                try compressor.begin(size: tensor.byteCount)
                try Self.forEachChunk(of: tensor.bytes, planes: planes, scratch: &scratch) { chunk, last in
                    try compressor.feed(chunk, last: last) { try file.write($0) }
                }
            } catch let failure as ZstdFailure {
                throw ZstdContainerError.compressionFailed(path: file.path, tensor: info.name, reason: failure.reason)
            }
            entries.append(
                ZstdContainer.Entry(
                    info: info, offset: offset, compressedSize: file.bytesWritten - offset, bytePlanes: planes,
                    checksum: XXH64.hash(tensor.bytes)))
            MappedPages.release(tensor)
            done += info.byteCount
            progress(done)
        }
        let index = Array(Self.indexJSON(entries, metadata: metadata).utf8)
        let indexOffset = file.bytesWritten
        try file.write(index)
        for field in [UInt64(indexOffset), UInt64(index.count), XXH64.hash(index)] {
            try withUnsafeBytes(of: field.littleEndian) { try file.write($0) }
        }
        try file.write(ZstdContainer.footerMagic)
    }

    /// Feeds the bytes in the order they are compressed: as stored, or plane by plane (byte k of
    /// every element, for k = 0 ..< planes), in chunks of at most `chunkSize` bytes.
    static func forEachChunk(
        of bytes: UnsafeRawBufferPointer, planes: Int, scratch: inout [UInt8],
        _ body: (UnsafeRawBufferPointer, Bool) throws -> Void
    ) throws {
        guard bytes.count > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0), true) }
        guard planes > 1 else {
            var start = 0
            while start < bytes.count {
                let end = min(start + chunkSize, bytes.count)
                try body(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), end == bytes.count)
                start = end
            }
            return
        }
        let elements = bytes.count / planes
        try scratch.withUnsafeMutableBytes { buffer in
            for plane in 0..<planes {
                var element = 0
                while element < elements {
                    let count = min(chunkSize, elements - element)
                    BytePlanes.gather(bytes, plane: plane, planes: planes, elements: element..<(element + count), into: buffer)
                    try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), plane == planes - 1 && element + count == elements)
                    element += count
                }
            }
        }
    }

    static func indexJSON(_ entries: [ZstdContainer.Entry], metadata: [String: String]) -> String {
        func number(_ value: Int) -> JSONValue { .number(JSONNumber(lexeme: String(value))) }
        var root = JSONObject()
        root.append(key: "format", value: .string("megalodon-zstd"))
        root.append(key: "version", value: number(Int(ZstdContainer.version)))
        var meta = JSONObject()
        for (key, value) in metadata.sortedMetadata { meta.append(key: key, value: .string(value)) }
        root.append(key: "metadata", value: .object(meta))
        root.append(
            key: "tensors",
            value: .array(
                entries.map { entry in
                    var object = JSONObject()
                    object.append(key: "name", value: .string(entry.info.name))
                    object.append(key: "dtype", value: .string(entry.info.dtype.rawValue))
                    object.append(key: "shape", value: .array(entry.info.shape.map(number)))
                    object.append(key: "offset", value: number(entry.offset))
                    object.append(key: "compressed_size", value: number(entry.compressedSize))
                    object.append(key: "size", value: number(entry.info.byteCount))
                    object.append(key: "byte_planes", value: number(entry.bytePlanes))
                    object.append(key: "xxh64", value: .string(BytePlanes.hex(entry.checksum)))
                    return .object(object)
                }))
        return JSONValue.object(root).serialized(.compact)
    }
}

/// The byte-plane transform: plane k holds byte k of every element, so the slowly varying
/// exponent bytes of floats sit together and compress better.
enum BytePlanes {
    static func gather(
        _ bytes: UnsafeRawBufferPointer, plane: Int, planes: Int, elements: Range<Int>, into buffer: UnsafeMutableRawBufferPointer
    ) {
        guard let source = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
            let target = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
        else { return }
        var input = source + elements.lowerBound * planes + plane
        for index in 0..<elements.count {
            target[index] = input.pointee
            input += planes
        }
    }

    /// Places decoded plane bytes (stream positions `start ..< start + chunk.count`) into the tensor.
    static func scatter(
        _ chunk: UnsafeRawBufferPointer, streamOffset start: Int, planes: Int, elements: Int, into tensor: UnsafeMutableRawBufferPointer
    ) {
        guard let source = chunk.baseAddress?.assumingMemoryBound(to: UInt8.self),
            let target = tensor.baseAddress?.assumingMemoryBound(to: UInt8.self)
        else { return }
        var (plane, element) = (start / elements, start % elements)
        var consumed = 0
        // Runs within one plane: a tight strided store loop the compiler can unroll.
        while consumed < chunk.count {
            let run = min(chunk.count - consumed, elements - element)
            var output = target + element * planes + plane
            for index in 0..<run {
                output.pointee = source[consumed + index]
                output += planes
            }
            consumed += run
            element += run
            if element == elements { (element, plane) = (0, plane + 1) }
        }
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
