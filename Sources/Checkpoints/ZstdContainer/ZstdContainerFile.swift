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
        guard bytes[(footer + 24)..<size].elementsEqual(ZstdContainer.footerMagic) else {
            throw ZstdContainerError.badMagic(path: path, where: "footer")
        }
        let indexOffset = bytes.loadUnaligned(fromByteOffset: footer, as: UInt64.self).littleEndian
        let indexLength = bytes.loadUnaligned(fromByteOffset: footer + 8, as: UInt64.self).littleEndian
        let indexChecksum = bytes.loadUnaligned(fromByteOffset: footer + 16, as: UInt64.self).littleEndian
        let (indexEnd, overflow) = indexOffset.addingReportingOverflow(indexLength)
        guard !overflow, indexOffset >= UInt64(ZstdContainer.headerSize), indexEnd == UInt64(footer) else {
            throw ZstdContainerError.badIndexLocation(path: path, offset: indexOffset, length: indexLength, fileSize: size)
        }
        let indexBytes = UnsafeRawBufferPointer(rebasing: bytes[Int(indexOffset)..<footer])
        guard XXH64.hash(indexBytes) == indexChecksum else { throw ZstdContainerError.indexChecksumMismatch(path: path) }
        let (entries, metadata) = try ZstdContainerIndex.decode(indexBytes, path: path, dataEnd: Int(indexOffset))
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
            throw ZstdContainerError.sizeMismatch(
                path: location, tensor: name, expected: size, produced: declared > UInt64(Int.max) ? Int.max : Int(declared))
        }
        guard let decompressor = ZstdDecompressor() else {
            throw ZstdContainerError.decompressionFailed(path: location, tensor: name, reason: "cannot create a zstd context")
        }
        let elements = entry.bytePlanes > 1 ? size / entry.bytePlanes : size
        let storage = try Storage(count: size) { target in
            var produced = 0
            do {
                try decompressor.decode(frame) { chunk in
                    guard produced + chunk.count <= size else {
                        throw ZstdContainerError.sizeMismatch(
                            path: location, tensor: name, expected: size, produced: produced + chunk.count)
                    }
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
            guard produced == size else {
                throw ZstdContainerError.sizeMismatch(path: location, tensor: name, expected: size, produced: produced)
            }
            guard XXH64.hash(UnsafeRawBufferPointer(target)) == entry.checksum else {
                throw ZstdContainerError.checksumMismatch(path: location, tensor: name)
            }
        }
        return try Tensor(dtype: entry.info.dtype, shape: entry.info.shape, storage: storage)
    }
}
