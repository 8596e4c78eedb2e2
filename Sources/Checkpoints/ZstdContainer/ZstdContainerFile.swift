import Foundation
import Tensors

/// A zstd container opened for reading. Opening validates the footer, the index checksum and every
/// entry (dtype, shape, sizes, frame ranges) without decompressing anything; `tensor(named:)`
/// decodes that tensor's frame alone and checks its size and XXH64 checksum.
public final class ZstdContainerFile: TensorSource, @unchecked Sendable {
    public let location: String
    public let entries: [ZstdContainer.Entry]
    public let tensorInfos: [TensorInfo]
    public let metadata: [String: String]
    private let file: MappedFile
    private let indexByName: [String: Int]

    public convenience init(path: String) throws {
        let mapped: MappedFile
        do { mapped = try MappedFile(path: path) } catch {
            throw ZstdContainerError.cannotOpen(path: path, reason: "\(error)")
        }
        try self.init(file: mapped, path: path)
    }

    init(file: MappedFile, path: String) throws {
        let bytes = file.bytes
        let size = bytes.count
        guard size >= ZstdContainer.headerSize + ZstdContainer.footerSize else { throw ZstdContainerError.tooSmall(path: path, size: size) }
        guard bytes[0..<4].elementsEqual(ZstdContainer.headerMagic) else { throw ZstdContainerError.badMagic(path: path, where: "header") }
        let version = bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian
        guard version == ZstdContainer.version else { throw ZstdContainerError.unsupportedVersion(path: path, version: version) }
        let footer = size - ZstdContainer.footerSize
        guard bytes[(footer + 24)..<size].elementsEqual(ZstdContainer.footerMagic) else { throw ZstdContainerError.badMagic(path: path, where: "footer") }
        let indexOffset = bytes.loadUnaligned(fromByteOffset: footer, as: UInt64.self).littleEndian
        let indexLength = bytes.loadUnaligned(fromByteOffset: footer + 8, as: UInt64.self).littleEndian
        let indexChecksum = bytes.loadUnaligned(fromByteOffset: footer + 16, as: UInt64.self).littleEndian
        let (indexEnd, overflow) = indexOffset.addingReportingOverflow(indexLength)
        guard !overflow, indexOffset >= UInt64(ZstdContainer.headerSize), indexEnd == UInt64(footer) else {
            throw ZstdContainerError.badIndexLocation(path: path, offset: indexOffset, length: indexLength, fileSize: size)
        }
        let indexBytes = UnsafeRawBufferPointer(rebasing: bytes[Int(indexOffset)..<footer])
        guard XXH64.hash(indexBytes) == indexChecksum else { throw ZstdContainerError.indexChecksumMismatch(path: path) }
        let json: JSONValue
        do { json = try JSONParser.parse(indexBytes) } catch { throw ZstdContainerError.invalidIndex(path: path, problem: "\(error)") }
        let (entries, metadata) = try ZstdContainerIndex.decode(json, path: path, dataEnd: Int(indexOffset))
        var indexByName: [String: Int] = [:]
        for (position, entry) in entries.enumerated() where indexByName.updateValue(position, forKey: entry.info.name) != nil {
            throw ZstdContainerError.duplicateTensor(path: path, tensor: entry.info.name)
        }
        location = path
        self.file = file
        self.entries = entries
        self.metadata = metadata
        self.indexByName = indexByName
        tensorInfos = entries.map(\.info)
    }

    public func tensor(named name: String) throws -> Tensor {
        guard let position = indexByName[name] else { throw ZstdContainerError.tensorNotFound(path: location, name: name) }
        let entry = entries[position]
        let frame = UnsafeRawBufferPointer(rebasing: file.bytes[entry.offset..<(entry.offset + entry.compressedSize)])
        let size = entry.info.byteCount
        if let declared = ZstdDecompressor.declaredSize(of: frame), declared != UInt64(size) {
            throw ZstdContainerError.sizeMismatch(path: location, tensor: name, expected: size, produced: declared > UInt64(Int.max) ? Int.max : Int(declared))
        }
        guard let decompressor = ZstdDecompressor() else { throw ZstdContainerError.decompressionFailed(path: location, tensor: name, reason: "cannot create a zstd context") }
        let elements = entry.bytePlanes > 1 ? size / entry.bytePlanes : size
        let storage = try Storage(count: size) { target in
            var produced = 0
            do {
                try decompressor.decode(frame) { chunk in
                    guard produced + chunk.count <= size else { throw ZstdContainerError.sizeMismatch(path: location, tensor: name, expected: size, produced: produced + chunk.count) }
                    if entry.bytePlanes > 1 {
                        BytePlanes.scatter(chunk, streamOffset: produced, planes: entry.bytePlanes, elements: elements, into: target)
                    } else {
                        UnsafeMutableRawBufferPointer(rebasing: target[produced..<(produced + chunk.count)]).copyMemory(from: chunk)
                    }
                    produced += chunk.count
                }
            } catch let failure as ZstdFailure {
                throw ZstdContainerError.decompressionFailed(path: location, tensor: name, reason: failure.reason)
            }
            guard produced == size else { throw ZstdContainerError.sizeMismatch(path: location, tensor: name, expected: size, produced: produced) }
            guard XXH64.hash(UnsafeRawBufferPointer(target)) == entry.checksum else { throw ZstdContainerError.checksumMismatch(path: location, tensor: name) }
        }
        return try Tensor(dtype: entry.info.dtype, shape: entry.info.shape, storage: storage)
    }
}

/// Decoding and validating the container's JSON index.
enum ZstdContainerIndex {
    static func decode(_ json: JSONValue, path: String, dataEnd: Int) throws -> ([ZstdContainer.Entry], [String: String]) {
        guard let root = json.objectValue else { throw ZstdContainerError.invalidIndex(path: path, problem: "expected a JSON object") }
        guard root["format"]?.stringValue == "megalodon-zstd" else { throw ZstdContainerError.invalidIndex(path: path, problem: "\"format\" must be \"megalodon-zstd\"") }
        var metadata: [String: String] = [:]
        if let object = root["metadata"] {
            guard let members = object.objectValue?.members else { throw ZstdContainerError.invalidIndex(path: path, problem: "\"metadata\" must be an object") }
            for (key, value) in members {
                guard let text = value.stringValue else { throw ZstdContainerError.invalidIndex(path: path, problem: "metadata \"\(key)\" must be a string") }
                metadata[key] = text
            }
        }
        guard let list = root["tensors"]?.arrayValue else { throw ZstdContainerError.invalidIndex(path: path, problem: "\"tensors\" must be an array") }
        let entries = try list.enumerated().map { position, value in try entry(value, position: position, path: path, dataEnd: dataEnd) }
        let sorted = entries.sorted { $0.offset < $1.offset }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.offset + previous.compressedSize > next.offset {
            throw ZstdContainerError.overlappingFrames(path: path, tensor: next.info.name)
        }
        return (entries, metadata)
    }

    private static func entry(_ value: JSONValue, position: Int, path: String, dataEnd: Int) throws -> ZstdContainer.Entry {
        guard let object = value.objectValue, let name = object["name"]?.stringValue else {
            throw ZstdContainerError.invalidIndex(path: path, problem: "tensors[\(position)] must be an object with a string \"name\"")
        }
        func fail(_ problem: String) -> ZstdContainerError { .invalidEntry(path: path, tensor: name, problem: problem) }
        func count(_ key: String) throws -> Int {
            guard let number = object[key]?.numberValue?.uint64Value, number <= UInt64(Int.max) else { throw fail("\"\(key)\" must be a non-negative integer") }
            return Int(number)
        }
        guard let dtypeName = object["dtype"]?.stringValue, let dtype = DType(rawValue: dtypeName), dtype.byteWidth != nil else {
            throw fail("unknown dtype \(object["dtype"]?.serialized() ?? "(missing)")")
        }
        guard let dimensions = object["shape"]?.arrayValue else { throw fail("\"shape\" must be an array") }
        let shape = try dimensions.map { dimension -> Int in
            guard let number = dimension.numberValue?.uint64Value, number <= UInt64(Int.max) else { throw fail("shape entries must be non-negative integers") }
            return Int(number)
        }
        guard shape.count <= 16, let elements = Tensor.elementCount(of: shape), let expected = dtype.byteCount(elements: elements) else {
            throw fail("shape \(shape) is too large")
        }
        let (offset, compressed, size, planes) = (try count("offset"), try count("compressed_size"), try count("size"), try count("byte_planes"))
        guard size == expected else { throw fail("size \(size) does not match \(dtype) \(shape) (\(expected) bytes)") }
        guard planes == 1 || planes == dtype.byteWidth else { throw fail("byte_planes must be 1 or the element width") }
        let (end, overflow) = offset.addingReportingOverflow(compressed)
        guard offset >= ZstdContainer.headerSize, !overflow, end <= dataEnd, compressed > 0 else {
            throw fail("frame \(offset)+\(compressed) lies outside the data section (8..<\(dataEnd))")
        }
        let (largest, expansionOverflow) = compressed.multipliedReportingOverflow(by: ZstdContainer.maximumExpansion)
        guard expansionOverflow || size <= largest else {
            throw ZstdContainerError.sizeBeyondFrameExpansion(path: path, tensor: name, size: size, compressedSize: compressed)
        }
        guard let hex = object["xxh64"]?.stringValue, hex.utf8.count == 16, let checksum = UInt64(hex, radix: 16) else {
            throw fail("\"xxh64\" must be 16 hex digits")
        }
        return ZstdContainer.Entry(info: TensorInfo(name: name, dtype: dtype, shape: shape), offset: offset, compressedSize: compressed,
                                   bytePlanes: planes, checksum: checksum)
    }
}
