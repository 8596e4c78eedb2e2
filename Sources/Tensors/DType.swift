/// Element types a tensor can hold on disk or in memory.
///
/// The raw values are the safetensors spellings, so a header's `"dtype"` string maps directly.
/// Sub-byte types (`f4`, the `f6` pair) are listed so that checkpoints holding them can be read and
/// inspected; arithmetic is only defined for the float and integer types.
public enum DType: String, CaseIterable, Sendable, CustomStringConvertible {
    case bool = "BOOL"
    case f4 = "F4"
    case f6e2m3 = "F6_E2M3"
    case f6e3m2 = "F6_E3M2"
    case u8 = "U8"
    case i8 = "I8"
    case f8e5m2 = "F8_E5M2"
    case f8e4m3 = "F8_E4M3"
    case f8e8m0 = "F8_E8M0"
    case f8e4m3fnuz = "F8_E4M3FNUZ"
    case f8e5m2fnuz = "F8_E5M2FNUZ"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case c64 = "C64"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// Storage size of one element in bits.
    public var bitWidth: Int {
        switch self {
        case .f4: return 4
        case .f6e2m3, .f6e3m2: return 6
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .c64, .f64, .i64, .u64: return 64
        }
    }

    /// Size of one element in bytes, or nil for sub-byte types.
    public var byteWidth: Int? { bitWidth % 8 == 0 ? bitWidth / 8 : nil }

    /// True for the types the engines compute with directly (weights are converted on the fly).
    public var isFloatingPoint: Bool {
        switch self {
        case .f16, .bf16, .f32, .f64: return true
        default: return false
        }
    }

    public var description: String { rawValue }

    /// Bytes needed for `count` elements, or nil if the count does not fill whole bytes or overflows.
    public func byteCount(elements count: Int) -> Int? {
        let (bits, overflow) = count.multipliedReportingOverflow(by: bitWidth)
        guard !overflow, bits % 8 == 0 else { return nil }
        return bits / 8
    }
}
