import Tensors

/// Why a zstd container (formats/zstd-container.md) could not be read or written. Every case names
/// the file; tensor cases name the tensor.
public enum ZstdContainerError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case tooSmall(path: String, size: Int)
    case badMagic(path: String, where: String)
    case unsupportedVersion(path: String, version: UInt32)
    case badIndexLocation(path: String, offset: UInt64, length: UInt64, fileSize: Int)
    case indexChecksumMismatch(path: String)
    case invalidIndex(path: String, problem: String)
    case invalidEntry(path: String, tensor: String, problem: String)
    case duplicateTensor(path: String, tensor: String)
    case overlappingFrames(path: String, tensor: String)
    /// The index claims more bytes than its frame could decode to (`ZstdContainer.maximumExpansion`).
    case sizeBeyondFrameExpansion(path: String, tensor: String, size: Int, compressedSize: Int)
    case tensorNotFound(path: String, name: String)
    case decompressionFailed(path: String, tensor: String, reason: String)
    case sizeMismatch(path: String, tensor: String, expected: Int, produced: Int)
    case checksumMismatch(path: String, tensor: String)
    case compressionFailed(path: String, tensor: String, reason: String)
    case producedTensorMismatch(path: String, tensor: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "\(path): cannot open: \(reason)"
        case let .tooSmall(path, size): return "\(path): \(size) bytes is too small for a zstd container (header and footer need 40)"
        case let .badMagic(path, place): return "\(path): not a Megalodon zstd container (bad magic in the \(place))"
        case let .unsupportedVersion(path, version):
            return "\(path): container version \(version) is not supported (this build reads version 1)"
        case let .badIndexLocation(path, offset, length, fileSize):
            return
                "\(path): the footer places the index at \(offset)+\(length), which does not end at the footer of a \(fileSize)-byte file (truncated?)"
        case let .indexChecksumMismatch(path): return "\(path): the index does not match its checksum (corrupt file)"
        case let .invalidIndex(path, problem): return "\(path): invalid index: \(problem)"
        case let .invalidEntry(path, tensor, problem): return "\(path): tensor \"\(tensor)\": \(problem)"
        case let .duplicateTensor(path, tensor): return "\(path): tensor \"\(tensor)\" is listed twice"
        case let .overlappingFrames(path, tensor): return "\(path): the frame of tensor \"\(tensor)\" overlaps another frame"
        case let .sizeBeyondFrameExpansion(path, tensor, size, compressedSize):
            return
                "\(path): tensor \"\(tensor)\": the index claims \(size) bytes from a \(compressedSize)-byte frame, more than zstd can expand (\(ZstdContainer.maximumExpansion)×)"
        case let .tensorNotFound(path, name): return "\(path): no tensor named \"\(name)\""
        case let .decompressionFailed(path, tensor, reason): return "\(path): tensor \"\(tensor)\": zstd frame is corrupt: \(reason)"
        case let .sizeMismatch(path, tensor, expected, produced):
            return "\(path): tensor \"\(tensor)\": frame decodes to \(produced) bytes, expected \(expected)"
        case let .checksumMismatch(path, tensor):
            return "\(path): tensor \"\(tensor)\": decoded bytes do not match the stored XXH64 checksum"
        case let .compressionFailed(path, tensor, reason): return "\(path): tensor \"\(tensor)\": compression failed: \(reason)"
        case let .producedTensorMismatch(path, tensor): return "\(path): tensor \"\(tensor)\" does not have the promised dtype and shape"
        }
    }
}
