/// Why a quantization request or a quantized tensor was refused. Cases name the tensor or field.
public enum QuantizationError: Error, Equatable, CustomStringConvertible {
    case invalidScheme(String)
    case unsupportedGroupSize(Int)
    case notAMatrix(tensor: String, shape: [Int])
    case columnsNotMultipleOfBlock(tensor: String, columns: Int, scheme: String)
    case nonFiniteValue(tensor: String, row: Int)
    case scaleOverflow(tensor: String, row: Int, scheme: String)
    case valueCountMismatch(tensor: String, expected: Int, actual: Int)
    case byteCountMismatch(tensor: String, field: String, expected: Int, actual: Int)
    case shapeMismatch(tensor: String, expected: [Int], actual: [Int])
    /// A shape read from a file whose byte counts would not fit (or no real matrix has).
    case shapeTooLarge(tensor: String, shape: [Int])
    case unsupportedDType(tensor: String, dtype: String)
    case missingTensor(String)
    case invalidMetadata(String)
    case invalidPattern(String)
    /// A scheme we compute with when a file stores it (ggml's k-quants) but do not quantize to.
    case readOnlyScheme(String)

    public var description: String {
        switch self {
        case let .invalidScheme(text):
            return "unknown quantization scheme '\(text)' (expected q8_0, q4_0, q4_1 or int8|int4-g32|g64|g128|row[-sym|asym][-f16|f32])"
        case let .unsupportedGroupSize(size): return "group size \(size) is not supported (use 32, 64, 128 or row)"
        case let .notAMatrix(tensor, shape): return "\(tensor): shape \(shape) is not a 2-D matrix"
        case let .columnsNotMultipleOfBlock(tensor, columns, scheme):
            return "\(tensor): \(columns) columns are not a whole number of \(scheme) blocks"
        case let .nonFiniteValue(tensor, row): return "\(tensor): row \(row) holds NaN or infinity"
        case let .scaleOverflow(tensor, row, scheme):
            return "\(tensor): row \(row) needs a scale beyond the f16 range for \(scheme); use f32 scales"
        case let .valueCountMismatch(tensor, expected, actual): return "\(tensor): expected \(expected) values, got \(actual)"
        case let .byteCountMismatch(tensor, field, expected, actual):
            return "\(tensor): \(field) holds \(actual) bytes, expected \(expected)"
        case let .shapeMismatch(tensor, expected, actual): return "\(tensor): shape \(actual), expected \(expected)"
        case let .shapeTooLarge(tensor, shape):
            return "\(tensor): shape \(shape) is too large (each dimension must be below 2^31 and the matrix at most 2^48 values)"
        case let .unsupportedDType(tensor, dtype): return "\(tensor): dtype \(dtype) cannot hold this part of a quantized matrix"
        case let .missingTensor(name): return "quantized checkpoint lacks tensor \(name)"
        case let .invalidMetadata(why): return "quantization metadata: \(why)"
        case let .invalidPattern(pattern): return "invalid tensor-name pattern '\(pattern)'"
        case let .readOnlyScheme(scheme):
            return
                "\(scheme) matrices are read from GGUF files and computed with as stored, but cannot be produced here (quantize to q8_0, q4_0, q4_1 or int8/int4)"
        }
    }
}
