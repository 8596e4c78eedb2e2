import Foundation

/// How quantized weights are multiplied with activations.
public enum QuantizedArithmetic: Sendable, Equatable {
    /// Activations rounded to int8 blocks of 32, integer block dot products (llama.cpp's way): the
    /// fast path. Differs from float math on the dequantized weights by the activations' rounding.
    case integer
    /// Weights dequantized a few rows at a time into a cache-sized scratch buffer, then float sgemm
    /// or dot products: the dequantized-f32 result up to summation order, with no f32 copy of the
    /// matrix, but slower (the reference the integer path is measured against).
    case float

    /// `"integer"` or `"float"` (the tools' `--quantized-arithmetic` values), else nil. Callers pass
    /// the choice down as a parameter; the library reads no environment variable for it.
    public init?(name: String) {
        switch name {
        case "integer": self = .integer
        case "float": self = .float
        default: return nil
        }
    }
}
