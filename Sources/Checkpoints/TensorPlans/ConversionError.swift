import Tensors

/// Why a checkpoint could not be converted. Every case names the input (file or folder) and, where
/// it concerns one, the tensor or configuration field.
public enum ConversionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No model configuration could be found for the input (needed to write `config.json`).
    case missingConfiguration(input: String, hint: String)
    case invalidConfiguration(path: String, field: String, problem: String)
    /// A tensor the target convention needs is not in the input.
    case missingTensor(input: String, tensor: String)
    /// A tensor's shape is not what the configuration or a sibling tensor implies.
    case shapeDisagreement(input: String, tensor: String, expected: [Int], found: [Int])
    /// The tensor's dtype cannot be written in the requested form.
    case unsupportedDType(input: String, tensor: String, dtype: DType, target: String)
    /// The input holds tensors the target convention has no name for.
    case unmappedTensors(input: String, names: [String])
    /// A tied tensor pair must be bit-identical to be stored once.
    case tiedTensorsDiffer(input: String, tensor: String, tiedTo: String)
    /// The conversion asked for makes no sense for this model family.
    case unsupportedConversion(input: String, detail: String)
    /// `--verify` found a difference between the written output and the input.
    case verificationFailed(output: String, tensor: String, detail: String)
    case cannotCopy(path: String, reason: String)

    public var description: String {
        switch self {
        case let .missingConfiguration(input, hint): return "\(input): no model configuration found (\(hint))"
        case let .invalidConfiguration(path, field, problem): return "\(path): configuration field \"\(field)\": \(problem)"
        case let .missingTensor(input, tensor): return "\(input): tensor \"\(tensor)\" is missing"
        case let .shapeDisagreement(input, tensor, expected, found):
            return "\(input): tensor \"\(tensor)\" has shape \(found), expected \(expected)"
        case let .unsupportedDType(input, tensor, dtype, target):
            return "\(input): tensor \"\(tensor)\" is \(dtype), which cannot be written as \(target)"
        case let .unmappedTensors(input, names):
            let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", … (\(names.count) in all)" : "")
            return "\(input): tensors with no name in the target convention: \(shown)"
        case let .tiedTensorsDiffer(input, tensor, tiedTo):
            return "\(input): \"\(tensor)\" is declared tied to \"\(tiedTo)\" but their values differ"
        case let .unsupportedConversion(input, detail): return "\(input): \(detail)"
        case let .verificationFailed(output, tensor, detail): return "\(output): verification failed for \"\(tensor)\": \(detail)"
        case let .cannotCopy(path, reason): return "\(path): cannot copy: \(reason)"
        }
    }
}
