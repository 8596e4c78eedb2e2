import Foundation
import Models

/// Where a tool's quantized-arithmetic choice comes from, read once at the tool's edge and then
/// passed to the library as a parameter: the command-line option, else the user-set environment
/// variable `MEGALODON_QUANTIZED_ARITHMETIC` (integer|float), else integer.
public enum QuantizedArithmeticSetting {
    public static let environmentVariable = "MEGALODON_QUANTIZED_ARITHMETIC"

    public static func resolve(option: String?) -> QuantizedArithmetic {
        let name = option ?? ProcessInfo.processInfo.environment[environmentVariable] ?? "integer"
        return QuantizedArithmetic(name: name) ?? .integer
    }
}
