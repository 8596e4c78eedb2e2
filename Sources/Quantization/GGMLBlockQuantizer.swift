import Tensors

/// llama.cpp's Q8_0, Q4_0 and Q4_1 quantizers, reproducing gguf-py 0.19.0 (`gguf.quants`) byte for
/// byte, which in turn follows ggml's reference `quantize_row_*_ref` (ggml-quants.c).
///
/// The arithmetic is float32 throughout and never fused: gguf-py computes `x·id + 8.5` with two
/// roundings, while the C reference may be contracted into an FMA by the compiler (gguf-py's
/// "rounding depends on FMA" remark). Scales are rounded to f16 to nearest-even.
/// Known differences from the C reference (both outside ordinary weights): a Q4_0 block made only of
/// negative zeros gets d = +0 here and −0 in C; blocks whose scale underflows below 2⁻¹²⁸ have
/// undefined codes in both and dequantize to zero either way.
enum GGMLBlockQuantizer {
    static let blockValues = 32

    /// Quantizes one row (`values.count` a multiple of 32) into `blocks` (exactly the row's bytes).
    static func quantizeRow(_ values: UnsafeBufferPointer<Float>, scheme: QuantizationScheme, into blocks: UnsafeMutableRawBufferPointer) {
        let blockBytes = scheme.ggmlBlockBytes ?? 0
        for block in 0..<values.count / blockValues {
            let x = UnsafeBufferPointer(rebasing: values[block * blockValues..<(block + 1) * blockValues])
            let out = UnsafeMutableRawBufferPointer(rebasing: blocks[block * blockBytes..<(block + 1) * blockBytes])
            switch scheme {
            case .q8_0: quantizeQ8_0(x, out)
            case .q4_0: quantizeQ4_0(x, out)
            case .q4_1: quantizeQ4_1(x, out)
            case .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl: preconditionFailure("read-only scheme (Quantizer refuses it)")
            case .grouped: preconditionFailure("not a ggml block type")
            }
        }
    }

    /// 1/d, or 0 when d is 0 (ggml's `d ? 1.0f/d : 0.0f`).
    @inline(__always)
    private static func inverse(_ d: Float) -> Float { d != 0 ? 1 / d : 0 }

    @inline(__always)
    private static func storeHalf(_ value: Float, _ out: UnsafeMutableRawBufferPointer, at offset: Int) {
        out.storeBytes(of: HalfPrecision.halfBits(from: value).littleEndian, toByteOffset: offset, as: UInt16.self)
    }

    private static func quantizeQ8_0(_ x: UnsafeBufferPointer<Float>, _ out: UnsafeMutableRawBufferPointer) {
        var amax: Float = 0
        for v in x { amax = max(amax, abs(v)) }
        let d = amax / 127
        let id = inverse(d)
        storeHalf(d, out, at: 0)
        for j in 0..<blockValues {
            // roundf: halves away from zero. NaN (only from an overflowing inverse scale, whose block
            // dequantizes to zero) becomes 0 instead of trapping.
            let q = IntegerRounding.halfAwayFromZero(x[j] * id, clampedTo: -128, 127)
            out[2 + j] = UInt8(bitPattern: Int8(q))
        }
    }

    private static func quantizeQ4_0(_ x: UnsafeBufferPointer<Float>, _ out: UnsafeMutableRawBufferPointer) {
        // The value of largest magnitude, keeping its sign; the first one wins ties (numpy argmax).
        var signedMax = x[0]
        for v in x.dropFirst() where abs(v) > abs(signedMax) { signedMax = v }
        let d = signedMax / -8
        let id = inverse(d)
        storeHalf(d, out, at: 0)
        for j in 0..<blockValues / 2 {
            let low = min(15, IntegerRounding.towardZero(x[j] * id + 8.5, clampedTo: 0, 255))
            let high = min(15, IntegerRounding.towardZero(x[j + 16] * id + 8.5, clampedTo: 0, 255))
            out[2 + j] = UInt8(low | high << 4)
        }
    }

    private static func quantizeQ4_1(_ x: UnsafeBufferPointer<Float>, _ out: UnsafeMutableRawBufferPointer) {
        var lowest = Float.greatestFiniteMagnitude, highest = -Float.greatestFiniteMagnitude
        for v in x {
            if v < lowest { lowest = v }
            if v > highest { highest = v }
        }
        let d = (highest - lowest) / 15
        let id = inverse(d)
        storeHalf(d, out, at: 0)
        storeHalf(lowest, out, at: 2)
        for j in 0..<blockValues / 2 {
            let low = min(15, IntegerRounding.towardZero((x[j] - lowest) * id + 0.5, clampedTo: 0, 255))
            let high = min(15, IntegerRounding.towardZero((x[j + 16] - lowest) * id + 0.5, clampedTo: 0, 255))
            out[4 + j] = UInt8(low | high << 4)
        }
    }
}
