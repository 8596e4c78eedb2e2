/// Why a GGUF file was refused or a request on it failed. Every case names the file, and the
/// key or tensor involved where there is one.
public enum GGUFError: Error, Equatable, CustomStringConvertible {
    case badMagic(path: String, found: UInt32)
    case unsupportedVersion(path: String, version: UInt32)
    case bigEndian(path: String)
    /// The file ended while reading `what` at byte `offset` (needing `needed` more bytes).
    case truncated(path: String, what: String, offset: Int, needed: Int)
    case absurdCount(path: String, what: String, count: Int64)
    case invalidString(path: String, what: String, offset: Int)
    case unknownValueType(path: String, key: String, type: UInt32)
    case duplicateKey(path: String, key: String)
    case nestingTooDeep(path: String, key: String)
    /// The metadata values would take more memory than `limit` bytes (see `GGUFByteReader`).
    case metadataTooLarge(path: String, key: String, limit: Int)
    case badAlignment(path: String, value: String)
    case tensorNameTooLong(path: String, name: String, bytes: Int)
    case duplicateTensor(path: String, name: String)
    case badDimensionCount(path: String, tensor: String, count: UInt32)
    case badShape(path: String, tensor: String, shape: [Int64])
    case unknownTensorType(path: String, tensor: String, type: UInt32)
    case shapeNotBlockAligned(path: String, tensor: String, type: GGMLType, rowLength: Int)
    case unexpectedOffset(path: String, tensor: String, offset: UInt64, expected: Int)
    case dataOutOfBounds(path: String, tensor: String, end: Int, fileSize: Int)
    case unknownTensor(path: String, name: String)
    case cannotDequantize(path: String, tensor: String, type: GGMLType)
    case missingKey(path: String, key: String)
    case wrongValueType(path: String, key: String, expected: String, found: GGUFValueType)

    public var description: String {
        switch self {
        case let .badMagic(path, found):
            return "\(path): not a GGUF file (magic 0x\(String(found, radix: 16)), expected \"GGUF\")"
        case let .unsupportedVersion(path, version):
            return "\(path): GGUF version \(version) is not supported (only 2 and 3)"
        case let .bigEndian(path):
            return "\(path): big-endian GGUF files are not supported"
        case let .truncated(path, what, offset, needed):
            return "\(path): file ends inside \(what) at byte \(offset) (\(needed) more bytes needed)"
        case let .absurdCount(path, what, count):
            return "\(path): \(what) count \(count) is impossible for a file of this size"
        case let .invalidString(path, what, offset):
            return "\(path): \(what) at byte \(offset) is not valid UTF-8"
        case let .unknownValueType(path, key, type):
            return "\(path): metadata key '\(key)' has unknown value type \(type)"
        case let .duplicateKey(path, key):
            return "\(path): metadata key '\(key)' appears twice"
        case let .nestingTooDeep(path, key):
            return "\(path): metadata key '\(key)' nests arrays more than \(GGUFByteReader.maximumArrayNesting) deep"
        case let .metadataTooLarge(path, key, limit):
            return "\(path): metadata up to key '\(key)' would take more than \(limit) bytes of memory, too much for a file of this size"
        case let .badAlignment(path, value):
            return "\(path): general.alignment must be a power-of-two u32, found \(value)"
        case let .tensorNameTooLong(path, name, bytes):
            return "\(path): tensor name '\(name)' is \(bytes) bytes (at most 63 allowed)"
        case let .duplicateTensor(path, name):
            return "\(path): tensor '\(name)' appears twice"
        case let .badDimensionCount(path, tensor, count):
            return "\(path): tensor '\(tensor)' has \(count) dimensions (at most 4 allowed)"
        case let .badShape(path, tensor, shape):
            return "\(path): tensor '\(tensor)' has invalid shape \(shape) (ggml order)"
        case let .unknownTensorType(path, tensor, type):
            return "\(path): tensor '\(tensor)' has unknown ggml type \(type)"
        case let .shapeNotBlockAligned(path, tensor, type, rowLength):
            return "\(path): tensor '\(tensor)' row length \(rowLength) is not a multiple of \(type)'s block size \(type.blockSize)"
        case let .unexpectedOffset(path, tensor, offset, expected):
            return "\(path): tensor '\(tensor)' has data offset \(offset), expected \(expected)"
        case let .dataOutOfBounds(path, tensor, end, fileSize):
            return "\(path): tensor '\(tensor)' data ends at byte \(end), past the end of the file (\(fileSize) bytes)"
        case let .unknownTensor(path, name):
            return "\(path): no tensor named '\(name)'"
        case let .cannotDequantize(path, tensor, type):
            return "\(path): tensor '\(tensor)' is \(type), which cannot be dequantized yet"
        case let .missingKey(path, key):
            return "\(path): metadata key '\(key)' is missing"
        case let .wrongValueType(path, key, expected, found):
            return "\(path): metadata key '\(key)' holds \(found), expected \(expected)"
        }
    }
}
