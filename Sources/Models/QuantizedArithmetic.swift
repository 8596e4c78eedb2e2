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

    /// What models use unless told otherwise: `integer`, or `float` when the environment variable
    /// `MEGALODON_QUANTIZED_ARITHMETIC=float` asks for the reference arithmetic (to compare the tools'
    /// output or speed with both, like `MEGALODON_KERNEL` for kernel variants).
    public static let preferred: QuantizedArithmetic =
        ProcessInfo.processInfo.environment["MEGALODON_QUANTIZED_ARITHMETIC"] == "float" ? .float : .integer
}
