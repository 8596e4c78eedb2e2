import Tensors

/// A ggml tensor element type as GGUF files number them (`ggml_type` in ggml.h).
///
/// Every id a current GGUF file may hold is listed so that files can be opened and inspected even
/// when we cannot dequantize some of their tensors; ids 4, 5 (removed Q4_2/Q4_3), 31–33 (the
/// repacked Q4_0_x_y layouts, never written to files) and ids newer than Q1_0 are rejected as
/// unknown (sizes from gguf-py 0.19.0 `GGML_QUANT_SIZES`).
public enum GGMLType: UInt32, CaseIterable, Sendable, CustomStringConvertible {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30, tq1_0 = 34, tq2_0 = 35
    case mxfp4 = 39, nvfp4 = 40, q1_0 = 41

    /// Weights per block (1 for the plain element types).
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16, .f64, .i8, .i16, .i32, .i64: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .iq4_nl, .mxfp4: return 32
        case .nvfp4: return 64
        case .q1_0: return 128
        default: return 256
        }
    }

    /// Bytes per block (`GGML_QUANT_SIZES` in gguf-py, `type_size` in ggml).
    public var blockByteCount: Int {
        let superBlock = 256
        switch self {
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8: return 1
        case .f64, .i64: return 8
        case .q4_0, .iq4_nl: return 2 + 16
        case .q4_1: return 2 + 2 + 16
        case .q5_0: return 2 + 4 + 16
        case .q5_1: return 2 + 2 + 4 + 16
        case .q8_0: return 2 + 32
        case .q8_1: return 4 + 4 + 32
        case .q2_K: return 2 + 2 + superBlock / 16 + superBlock / 4
        case .q3_K: return 2 + superBlock / 4 + superBlock / 8 + 12
        case .q4_K: return 2 + 2 + superBlock / 2 + 12
        case .q5_K: return 2 + 2 + superBlock / 2 + superBlock / 8 + 12
        case .q6_K: return 2 + superBlock / 2 + superBlock / 4 + superBlock / 16
        case .q8_K: return 4 + superBlock + superBlock / 8
        case .iq2_xxs: return 2 + superBlock / 4
        case .iq2_xs: return 2 + superBlock / 4 + superBlock / 32
        case .iq3_xxs: return 2 + superBlock / 4 + superBlock / 8
        case .iq1_s: return 2 + superBlock / 8 + superBlock / 16
        case .iq3_s: return 2 + superBlock / 4 + superBlock / 8 + superBlock / 32 + 4
        case .iq2_s: return 2 + superBlock / 4 + superBlock / 16
        case .iq4_xs: return 2 + 2 + superBlock / 2 + superBlock / 64
        case .iq1_m: return superBlock / 8 + superBlock / 16 + superBlock / 32
        case .tq1_0: return 2 + 4 * 13
        case .tq2_0: return 2 + 64
        case .mxfp4: return 1 + 16
        case .nvfp4: return 4 + 32
        case .q1_0: return 2 + 16
        }
    }

    /// The ggml spelling (`Q4_K`, `BF16`, ...).
    public var name: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q5_0: return "Q5_0"
        case .q5_1: return "Q5_1"
        case .q8_0: return "Q8_0"
        case .q8_1: return "Q8_1"
        case .q2_K: return "Q2_K"
        case .q3_K: return "Q3_K"
        case .q4_K: return "Q4_K"
        case .q5_K: return "Q5_K"
        case .q6_K: return "Q6_K"
        case .q8_K: return "Q8_K"
        case .iq2_xxs: return "IQ2_XXS"
        case .iq2_xs: return "IQ2_XS"
        case .iq3_xxs: return "IQ3_XXS"
        case .iq1_s: return "IQ1_S"
        case .iq4_nl: return "IQ4_NL"
        case .iq3_s: return "IQ3_S"
        case .iq2_s: return "IQ2_S"
        case .iq4_xs: return "IQ4_XS"
        case .i8: return "I8"
        case .i16: return "I16"
        case .i32: return "I32"
        case .i64: return "I64"
        case .f64: return "F64"
        case .iq1_m: return "IQ1_M"
        case .bf16: return "BF16"
        case .tq1_0: return "TQ1_0"
        case .tq2_0: return "TQ2_0"
        case .mxfp4: return "MXFP4"
        case .nvfp4: return "NVFP4"
        case .q1_0: return "Q1_0"
        }
    }

    public var description: String { name }

    /// Bytes for `elements` weights laid out in whole blocks, or nil if the count is not a multiple
    /// of the block size or the size overflows.
    public func byteCount(elements: Int) -> Int? {
        guard elements >= 0, elements % blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / blockSize).multipliedReportingOverflow(by: blockByteCount)
        return overflow ? nil : bytes
    }

    /// The dense element type with the same bytes, for the types that are not block-quantized.
    public var plainDType: DType? {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .f64: return .f64
        case .i8: return .i8
        case .i16: return .i16
        case .i32: return .i32
        case .i64: return .i64
        default: return nil
        }
    }
}
