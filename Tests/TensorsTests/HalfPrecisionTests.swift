import Foundation
import Testing

@testable import Tensors

/// binary16 value from its fields, straight from the IEEE 754 definition.
private func ieeeHalfValue(_ bits: UInt16) -> Double {
    let sign: Double = bits & 0x8000 != 0 ? -1 : 1
    let exponent = Int((bits >> 10) & 0x1f)
    let fraction = Double(bits & 0x3ff)
    switch exponent {
    case 0: return sign * fraction * pow(2, -24)
    case 31: return fraction == 0 ? sign * .infinity : .nan
    default: return sign * (1 + fraction / 1024) * pow(2, Double(exponent - 15))
    }
}

@Suite("binary16 and bfloat16 conversion")
struct HalfPrecisionTests {
    @Test("every binary16 value widens to its exact IEEE value, scalar and vector paths alike")
    func halfWidensExactly() {
        let all = (0...0xffff).map { UInt16($0) }
        var vector = [Float](repeating: 0, count: all.count)
        all.withUnsafeBufferPointer { src in vector.withUnsafeMutableBufferPointer { HalfPrecision.widenHalf(src, into: $0) } }
        var mismatches = 0
        for bits in all {
            let expected = ieeeHalfValue(bits)
            for got in [HalfPrecision.float(fromHalfBits: bits), vector[Int(bits)]] {
                if expected.isNaN {
                    if !got.isNaN || (got.bitPattern >> 13) & 0x3ff != UInt32(bits & 0x3ff) { mismatches += 1 }
                } else if Double(got) != expected || got.sign != (bits & 0x8000 != 0 ? .minus : .plus) {
                    mismatches += 1
                }
            }
        }
        #expect(mismatches == 0)
    }

    @Test("every binary16 value survives widening and narrowing, scalar and vector paths alike")
    func halfRoundTrips() {
        let all = (0...0xffff).map { UInt16($0) }
        let floats = all.map { HalfPrecision.float(fromHalfBits: $0) }
        var narrowed = [UInt16](repeating: 0, count: floats.count)
        floats.withUnsafeBufferPointer { src in narrowed.withUnsafeMutableBufferPointer { HalfPrecision.narrowToHalf(src, into: $0) } }
        for bits in all {
            let isNaN = bits & 0x7c00 == 0x7c00 && bits & 0x3ff != 0
            for back in [HalfPrecision.halfBits(from: floats[Int(bits)]), narrowed[Int(bits)]] {
                if isNaN {
                    #expect(back & 0x7c00 == 0x7c00 && back & 0x3ff != 0, "NaN \(bits) became \(back)")
                } else {
                    #expect(back == bits, "\(bits) came back as \(back)")
                }
            }
        }
    }

    @Test("narrowing to binary16 rounds ties to even and overflows to infinity, like the standard library")
    func halfRoundsToNearestEven() {
        var probes: [Float] = []
        // Every midpoint between neighbouring finite halves, and values just either side of it.
        for bits in UInt16(0)..<0x7bff {
            let low = Double(HalfPrecision.float(fromHalfBits: bits))
            let high = Double(HalfPrecision.float(fromHalfBits: bits + 1))
            let mid = Float((low + high) / 2)
            probes += [mid, mid.nextUp, mid.nextDown, -mid]
        }
        probes += [65504, 65519.99, 65520, 1e10, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, 1e-8, 2.98e-8, 2.99e-8]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100_000 { probes.append(Float(bitPattern: generator.next() as UInt32)) }
        var vector = [UInt16](repeating: 0, count: probes.count)
        probes.withUnsafeBufferPointer { src in vector.withUnsafeMutableBufferPointer { HalfPrecision.narrowToHalf(src, into: $0) } }
        var mismatches: [Float] = []
        for (index, value) in probes.enumerated() {
            let expected = Float16(value)
            for got in [HalfPrecision.halfBits(from: value), vector[index]] {
                let ok = value.isNaN ? Float16(bitPattern: got).isNaN : got == expected.bitPattern
                if !ok { mismatches.append(value) }
            }
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5))")
    }

    @Test("every bfloat16 value widens exactly and narrows back to itself; NaN stays NaN")
    func bfloat16RoundTrips() {
        let all = (0...0xffff).map { UInt16($0) }
        let floats = all.map { HalfPrecision.float(fromBFloat16Bits: $0) }
        var narrowed = [UInt16](repeating: 0, count: all.count)
        floats.withUnsafeBufferPointer { src in narrowed.withUnsafeMutableBufferPointer { HalfPrecision.narrowToBFloat16(src, into: $0) } }
        for bits in all {
            #expect(floats[Int(bits)].bitPattern == UInt32(bits) << 16)
            let back = narrowed[Int(bits)]
            if floats[Int(bits)].isNaN {
                #expect(HalfPrecision.float(fromBFloat16Bits: back).isNaN)
            } else {
                #expect(back == bits)
            }
        }
    }

    @Test("narrowing to bfloat16 rounds to nearest, ties to even")
    func bfloat16RoundsToNearestEven() {
        var generator = SystemRandomNumberGenerator()
        var probes: [Float] = (0..<100_000).map { _ in Float(bitPattern: generator.next() as UInt32) }
        probes += [
            Float(bitPattern: 0x3f80_8000), Float(bitPattern: 0x3f81_8000), Float(bitPattern: 0x7f7f_ffff), Float(bitPattern: 0x7f80_0001),
        ]
        var vector = [UInt16](repeating: 0, count: probes.count)
        probes.withUnsafeBufferPointer { src in vector.withUnsafeMutableBufferPointer { HalfPrecision.narrowToBFloat16(src, into: $0) } }
        for (index, value) in probes.enumerated() {
            let scalar = HalfPrecision.bfloat16Bits(from: value)
            #expect(scalar == vector[index])
            if value.isNaN {
                #expect(HalfPrecision.float(fromBFloat16Bits: scalar).isNaN)
                continue
            }
            // The nearest representable neighbour by exact arithmetic; ties go to the even mantissa.
            let down = UInt16(value.bitPattern >> 16)
            let candidates = [down, down &+ 1]
            // Past the largest finite value the next candidate is infinity, which IEEE treats as 2^128 here.
            let magnitudes = candidates.map { bits -> Double in
                let widened = Double(HalfPrecision.float(fromBFloat16Bits: bits))
                return widened.isInfinite ? (widened < 0 ? -0x1p128 : 0x1p128) : widened
            }
            let distances = magnitudes.map { abs($0 - Double(value)) }
            let expected = distances[0] < distances[1] || (distances[0] == distances[1] && down & 1 == 0) ? candidates[0] : candidates[1]
            #expect(scalar == expected, "\(value)")
        }
    }
}
