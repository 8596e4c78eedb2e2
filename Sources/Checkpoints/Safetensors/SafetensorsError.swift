import Tensors

/// Why a safetensors file was rejected or could not be written. Each validation rule of the
/// reference reader (huggingface/safetensors `SafeTensors::read_metadata` and `Metadata::validate`)
/// has its own case; `referenceCase` names the reference's error for the same input.
public enum SafetensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    /// Fewer than the 8 bytes that hold the header length.
    case headerTooSmall(path: String, fileSize: Int)
    /// The declared header length exceeds 100,000,000 bytes.
    case headerTooLarge(path: String, headerLength: UInt64)
    /// The declared header runs past the end of the file.
    case invalidHeaderLength(path: String, headerLength: UInt64, fileSize: Int)
    /// The header is not valid UTF-8 (`byteOffset` counts from the start of the header text).
    case headerNotUTF8(path: String, byteOffset: Int)
    /// The header is not valid JSON.
    case invalidHeaderJSON(path: String, JSONParseError)
    /// A key appears twice in one JSON object of the header (the reference silently keeps one).
    case duplicateKey(path: String, key: String)
    /// The JSON is valid but not a safetensors header: wrong types, missing or malformed fields.
    case invalidHeaderStructure(path: String, tensor: String?, problem: String)
    /// A tensor's shape has more dimensions than `limit` (numpy's 64); the reference has no limit.
    case shapeRankTooLarge(path: String, tensor: String, limit: Int)
    /// A tensor's `dtype` is not one of the safetensors element types.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// `__metadata__` is not an object whose values are all strings.
    case invalidMetadata(path: String, key: String?, problem: String)
    /// After sorting by offsets, this tensor does not start where the previous one ends (hole,
    /// overlap, first tensor not at 0) or ends before it begins.
    case invalidOffset(path: String, tensor: String, begin: UInt64, end: UInt64, expectedBegin: UInt64)
    /// The element count or bit count of the tensor's shape overflows 64 bits.
    case validationOverflow(path: String, tensor: String, shape: [UInt64])
    /// A sub-byte element type whose elements do not fill whole bytes.
    case misalignedSlice(path: String, tensor: String, dtype: DType, shape: [UInt64])
    /// The byte range's length differs from what shape and dtype need.
    case tensorInvalidInfo(path: String, tensor: String, expectedBytes: UInt64, declaredBytes: UInt64)
    /// The tensors do not end exactly at the end of the file (trailing bytes or a truncated file).
    case metadataIncompleteBuffer(path: String, declaredSize: UInt64?, fileSize: Int)
    /// A dimension that is valid for the reference (the tensor is empty because another dimension is
    /// 0) but does not fit in a Swift `Int`.
    case dimensionTooLarge(path: String, tensor: String, shape: [UInt64])
    case tensorNotFound(path: String, name: String)
    /// Writing: `__metadata__` cannot be a tensor name (the file could not be read back).
    case reservedTensorName(path: String)
    /// Writing: two tensors with the same name.
    case duplicateTensorName(path: String, name: String)
    /// Writing: the tensor produced for a name does not match the promised dtype and shape.
    case producedTensorMismatch(path: String, tensor: String, expected: String, produced: String)
    /// Writing: the header would exceed 100,000,000 bytes.
    case headerWouldBeTooLarge(path: String, headerLength: Int)

    /// The name of the huggingface/safetensors `SafeTensorError` variant for the same input, or
    /// nil for conditions the reference does not check (or reports differently).
    public var referenceCase: String? {
        switch self {
        case .headerTooSmall: return "HeaderTooSmall"
        case .headerTooLarge, .headerWouldBeTooLarge: return "HeaderTooLarge"
        case .invalidHeaderLength: return "InvalidHeaderLength"
        case .headerNotUTF8: return "InvalidHeader"
        case .invalidHeaderJSON, .invalidHeaderStructure, .unknownDType, .invalidMetadata: return "InvalidHeaderDeserialization"
        case .invalidOffset: return "InvalidOffset"
        case .validationOverflow: return "ValidationOverflow"
        case .misalignedSlice: return "MisalignedSlice"
        case .tensorInvalidInfo: return "TensorInvalidInfo"
        case .metadataIncompleteBuffer: return "MetadataIncompleteBuffer"
        case .tensorNotFound: return "TensorNotFound"
        case .cannotOpen, .duplicateKey, .shapeRankTooLarge, .dimensionTooLarge, .reservedTensorName, .duplicateTensorName,
            .producedTensorMismatch:
            return nil
        }
    }

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "\(path): cannot open: \(reason)"
        case let .headerTooSmall(path, size):
            return "\(path): not a safetensors file: \(size) bytes is too short to hold the 8-byte header length"
        case let .headerTooLarge(path, length):
            return "\(path): header length \(length) exceeds the safetensors limit of 100000000 bytes"
        case let .invalidHeaderLength(path, length, size):
            return "\(path): header length \(length) runs past the end of the \(size)-byte file"
        case let .headerNotUTF8(path, offset):
            return "\(path): header is not valid UTF-8 (byte \(offset) of the header)"
        case let .invalidHeaderJSON(path, error):
            return "\(path): header is not valid JSON: \(error)"
        case let .duplicateKey(path, key):
            return "\(path): header has the key \"\(key)\" twice"
        case let .invalidHeaderStructure(path, tensor, problem):
            if let tensor { return "\(path): tensor \"\(tensor)\": \(problem)" }
            return "\(path): invalid header: \(problem)"
        case let .shapeRankTooLarge(path, tensor, limit):
            return "\(path): tensor \"\(tensor)\": shape has more than \(limit) dimensions"
        case let .unknownDType(path, tensor, dtype):
            return "\(path): tensor \"\(tensor)\": unknown dtype \"\(dtype)\""
        case let .invalidMetadata(path, key, problem):
            if let key { return "\(path): __metadata__ entry \"\(key)\": \(problem)" }
            return "\(path): __metadata__: \(problem)"
        case let .invalidOffset(path, tensor, begin, end, expected):
            let rule =
                end < begin ? "ends before it begins" : "must start at \(expected) (tensors must tile the data without holes or overlaps)"
            return "\(path): tensor \"\(tensor)\": invalid data_offsets [\(begin), \(end)]: \(rule)"
        case let .validationOverflow(path, tensor, shape):
            return "\(path): tensor \"\(tensor)\": shape \(shape) overflows when computing its size"
        case let .misalignedSlice(path, tensor, dtype, shape):
            return "\(path): tensor \"\(tensor)\": \(shape) elements of \(dtype) do not fill whole bytes"
        case let .tensorInvalidInfo(path, tensor, expected, declared):
            return "\(path): tensor \"\(tensor)\": shape and dtype need \(expected) bytes but data_offsets span \(declared)"
        case let .metadataIncompleteBuffer(path, declared, size):
            if let declared {
                return
                    "\(path): header and tensors account for \(declared) bytes but the file has \(size) (truncated file or trailing data)"
            }
            return "\(path): tensor offsets overflow the file size \(size)"
        case let .dimensionTooLarge(path, tensor, shape):
            return "\(path): tensor \"\(tensor)\": shape \(shape) has a dimension too large to address"
        case let .tensorNotFound(path, name):
            return "\(path): no tensor named \"\(name)\""
        case let .reservedTensorName(path):
            return "\(path): a tensor cannot be named __metadata__ (the name is reserved for the metadata)"
        case let .duplicateTensorName(path, name):
            return "\(path): tensor \"\(name)\" is listed twice"
        case let .producedTensorMismatch(path, tensor, expected, produced):
            return "\(path): tensor \"\(tensor)\": expected \(expected) but was given \(produced)"
        case let .headerWouldBeTooLarge(path, length):
            return "\(path): the header would be \(length) bytes, over the safetensors limit of 100000000"
        }
    }
}
