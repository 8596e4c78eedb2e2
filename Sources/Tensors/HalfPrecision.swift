/// IEEE binary16 and bfloat16 ⇄ binary32 conversion on bit patterns.
///
/// Written as branch-free integer arithmetic so the buffer loops vectorise on any target (no F16C
/// or AVX-512 BF16 assumed). Narrowing rounds to nearest, ties to even; NaN stays NaN.
public enum HalfPrecision {
    // MARK: binary16

    /// Exact widening of one binary16 bit pattern (subnormals, infinities and NaN payloads kept).
    @inlinable
    public static func float(fromHalfBits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let magnitude = UInt32(h & 0x7fff)
        let shifted = magnitude << 13
        let exponent = shifted & 0x0f80_0000
        var bits = shifted &+ 0x3800_0000  // rebias 15 → 127
        if exponent == 0x0f80_0000 {  // infinity or NaN: exponent all ones
            bits = bits &+ 0x3800_0000
        } else if exponent == 0 {  // zero or subnormal: let the FPU renormalise
            bits = bits &+ 0x0080_0000
            return Float(bitPattern: sign | (Float(bitPattern: bits) - Float(bitPattern: 0x3880_0000)).bitPattern)
        }
        return Float(bitPattern: sign | bits)
    }

    /// binary32 → binary16, round to nearest even, overflow to infinity, NaN kept as a quiet NaN.
    @inlinable
    public static func halfBits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let magnitude = bits & 0x7fff_ffff
        if magnitude > 0x7f80_0000 {  // NaN: keep the top payload bits, force quiet
            return sign | 0x7e00 | UInt16(truncatingIfNeeded: (magnitude >> 13) & 0x03ff)
        }
        if magnitude >= 0x4780_0000 {  // ≥ 65536 before rounding: infinity (65520 rounds there too, below)
            return sign | 0x7c00
        }
        if magnitude < 0x3880_0000 {  // below the smallest normal half (2^-14): subnormal or zero
            // Adding 0.5 aligns the value's bits so the float adder performs the RNE shift for us.
            let rounded = Float(bitPattern: magnitude) + Float(bitPattern: 0x3f00_0000)
            return sign | UInt16(truncatingIfNeeded: rounded.bitPattern &- 0x3f00_0000)
        }
        let mantissaOdd = (magnitude >> 13) & 1
        let rebiased = magnitude &- 0x3800_0000 &+ 0x0fff &+ mantissaOdd
        return sign | UInt16(truncatingIfNeeded: min(rebiased >> 13, 0x7c00))
    }

    // MARK: bfloat16

    @inlinable
    public static func float(fromBFloat16Bits b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// binary32 → bfloat16, round to nearest even; NaN stays NaN (quiet bit forced so that a payload
    /// living only in the dropped bits cannot turn into infinity).
    @inlinable
    public static func bfloat16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if bits & 0x7fff_ffff > 0x7f80_0000 {
            return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
        }
        let roundingBias = 0x7fff &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }

    // MARK: buffers (16 lanes at a time, the same arithmetic as the scalar functions above)

    public static func widenHalf(_ source: UnsafeBufferPointer<UInt16>, into target: UnsafeMutableBufferPointer<Float>) {
        precondition(source.count == target.count)
        guard let src = source.baseAddress, let dst = target.baseAddress else { return }
        let vectorEnd = source.count & ~15
        var i = 0
        while i < vectorEnd {
            let h = SIMD16<UInt32>(truncatingIfNeeded: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<UInt16>.self))
            let shifted = (h & 0x7fff) &<< 13
            let exponent = shifted & 0x0f80_0000
            var bits = shifted &+ 0x3800_0000
            bits.replace(with: bits &+ 0x3800_0000, where: exponent .== 0x0f80_0000)
            let subnormal = unsafeBitCast(bits &+ 0x0080_0000, to: SIMD16<Float>.self) - Float(bitPattern: 0x3880_0000)
            bits.replace(with: unsafeBitCast(subnormal, to: SIMD16<UInt32>.self), where: exponent .== 0)
            bits |= (h & 0x8000) &<< 16
            UnsafeMutableRawPointer(dst + i).storeBytes(of: unsafeBitCast(bits, to: SIMD16<Float>.self), as: SIMD16<Float>.self)
            i += 16
        }
        while i < source.count {
            dst[i] = float(fromHalfBits: src[i])
            i += 1
        }
    }

    public static func narrowToHalf(_ source: UnsafeBufferPointer<Float>, into target: UnsafeMutableBufferPointer<UInt16>) {
        precondition(source.count == target.count)
        guard let src = source.baseAddress, let dst = target.baseAddress else { return }
        let vectorEnd = source.count & ~15
        var i = 0
        while i < vectorEnd {
            let bits = unsafeBitCast(UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<Float>.self), to: SIMD16<UInt32>.self)
            let sign = (bits &>> 16) & 0x8000
            let magnitude = bits & 0x7fff_ffff
            let mantissaOdd = (magnitude &>> 13) & 1
            var half = (magnitude &- 0x3800_0000 &+ 0x0fff &+ mantissaOdd) &>> 13
            half.replace(with: 0x7c00, where: half .> 0x7c00)
            let subnormalSum = unsafeBitCast(magnitude, to: SIMD16<Float>.self) + Float(bitPattern: 0x3f00_0000)
            half.replace(with: unsafeBitCast(subnormalSum, to: SIMD16<UInt32>.self) &- 0x3f00_0000, where: magnitude .< 0x3880_0000)
            half.replace(with: 0x7c00, where: magnitude .>= 0x4780_0000)
            half.replace(with: 0x7e00 | ((magnitude &>> 13) & 0x03ff), where: magnitude .> 0x7f80_0000)
            let result = SIMD16<UInt16>(truncatingIfNeeded: half | sign)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: result, as: SIMD16<UInt16>.self)
            i += 16
        }
        while i < source.count {
            dst[i] = halfBits(from: src[i])
            i += 1
        }
    }

    public static func widenBFloat16(_ source: UnsafeBufferPointer<UInt16>, into target: UnsafeMutableBufferPointer<Float>) {
        precondition(source.count == target.count)
        for i in 0..<source.count { target[i] = Float(bitPattern: UInt32(source[i]) << 16) }
    }

    public static func narrowToBFloat16(_ source: UnsafeBufferPointer<Float>, into target: UnsafeMutableBufferPointer<UInt16>) {
        precondition(source.count == target.count)
        guard let src = source.baseAddress, let dst = target.baseAddress else { return }
        let vectorEnd = source.count & ~15
        var i = 0
        while i < vectorEnd {
            let bits = unsafeBitCast(UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<Float>.self), to: SIMD16<UInt32>.self)
            var rounded = (bits &+ 0x7fff &+ ((bits &>> 16) & 1)) &>> 16
            rounded.replace(with: (bits &>> 16) | 0x0040, where: (bits & 0x7fff_ffff) .> 0x7f80_0000)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: rounded), as: SIMD16<UInt16>.self)
            i += 16
        }
        while i < source.count {
            dst[i] = bfloat16Bits(from: src[i])
            i += 1
        }
    }
}
