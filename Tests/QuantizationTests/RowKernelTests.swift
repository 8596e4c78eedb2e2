import CQuantKernels
import Foundation
import Tensors
import TestSupport
import Testing

/// The row kernels (softmax, SiLU, one-row grouped attention) in each form, portable, AVX2 and
/// AVX-512 (polynomial exp), against Double references. A form the CPU lacks runs the best one below
/// it (KernelVariantCoverage reports which variants a run could not test).
struct RowKernelTests {
    static let forms: [Int32] = [0, 1, 2]

    @Test func vectorFormsFollowTheCPUFlags() {
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let has = { (flag: String) in flags.contains(" \(flag) ") || flags.contains(" \(flag)\n") }
        let expected: Int32 = has("avx512f") && has("fma") ? 2 : has("avx2") && has("fma") && has("f16c") ? 1 : 0
        #expect(rk_vector_available() == expected, "the CPU flags call for form \(expected)")
    }

    @Test(arguments: forms) func softmaxMatchesReference(_ vector: Int32) {
        var generator = SeededGenerator(seed: 5)
        for count in [1, 5, 16, 17, 100, 513] {
            let input = generator.normals(count, scale: 12)
            var x = input
            rk_softmax_form(vector, &x, count)
            let top = Double(input.max()!)
            let exps = input.map { Foundation.exp(Double($0) - top) }
            let total = exps.reduce(0, +)
            for i in 0..<count {
                let exact = exps[i] / total
                // x − max is rounded to float first: a relative error of up to |x − max|·2⁻²⁴ in e^(x − max).
                let rounding = 6e-8 * abs(Double(input[i]) - top)
                #expect(
                    abs(Double(x[i]) - exact) <= (4e-7 + rounding) * exact + 1e-30,
                    "form \(vector) count \(count) [\(i)]: \(x[i]) vs \(exact)")
            }
        }
    }

    @Test(arguments: forms) func siluMatchesReference(_ vector: Int32) {
        var generator = SeededGenerator(seed: 6)
        for count in [1, 15, 16, 33, 1536] {
            var input = generator.normals(count, scale: 6)
            if count > 4 { input[0] = 95; input[1] = -95; input[2] = -200; input[3] = 0 }  // past the clamps, and zero
            let gate = generator.normals(count)
            for gated in [false, true] {
                var x = input
                if gated {
                    gate.withUnsafeBufferPointer { rk_silu_form(vector, &x, $0.baseAddress, count) }
                } else {
                    rk_silu_form(vector, &x, nil, count)
                }
                for i in 0..<count {
                    let v = Double(input[i])
                    let exact = v / (1 + Foundation.exp(-v)) * (gated ? Double(gate[i]) : 1)
                    #expect(
                        abs(Double(x[i]) - exact) <= 4e-7 * abs(exact) + 1e-30,
                        "form \(vector) \(gated ? "gated" : "plain") [\(i)] of \(v): \(x[i]) vs \(exact)")
                }
            }
        }
    }

    /// Grouped heads with strided keys and values: widths the vector form takes (64, 16) and one it
    /// leaves to the portable loop (24), groups of 1, 3 and 9 (above its limit of 8).
    @Test(arguments: forms) func oneRowAttentionMatchesReference(_ vector: Int32) {
        var generator = SeededGenerator(seed: 7)
        for (group, headDim, total) in [(1, 64, 1), (3, 64, 7), (3, 64, 130), (2, 16, 33), (3, 24, 9), (9, 16, 5)] {
            let keyStride = headDim * 3 + 8, valueStride = headDim * 2 + 16
            let q = generator.normals(group * headDim), keys = generator.normals(total * keyStride)
            let values = generator.normals(total * valueStride)
            var scores = [Float](repeating: .nan, count: group * total)
            var out = [Float](repeating: .nan, count: group * headDim)
            let scale = 1 / Float(headDim).squareRoot()
            rk_attend_one_row_form(vector, q, group, headDim, keys, keyStride, values, valueStride, 0, headDim, total, scale, &scores, &out)
            for h in 0..<group {
                let logits = (0..<total).map { j in
                    Double(scale) * (0..<headDim).reduce(0.0) { $0 + Double(q[h * headDim + $1]) * Double(keys[j * keyStride + $1]) }
                }
                let top = logits.max()!
                let weights = logits.map { Foundation.exp($0 - top) }
                let total2 = weights.reduce(0, +)
                for d in 0..<headDim {
                    var exact = 0.0, magnitude = 0.0
                    for j in 0..<total {
                        exact += weights[j] / total2 * Double(values[j * valueStride + d])
                        magnitude += weights[j] / total2 * abs(Double(values[j * valueStride + d]))
                    }
                    let got = Double(out[h * headDim + d])
                    #expect(
                        abs(got - exact) <= 2e-6 * magnitude + 1e-30,
                        "form \(vector) group \(group) dim \(headDim) total \(total) head \(h) [\(d)]: \(got) vs \(exact)")
                }
            }
        }
    }

    /// Decode splits one-row attention into its scores and its weighted sum over ranges of value
    /// columns (multiples of 16); together the halves must give the fused kernel's output bit for bit.
    @Test(arguments: forms) func attentionHalvesMatchTheFusedKernel(_ vector: Int32) {
        var generator = SeededGenerator(seed: 8)
        for (group, headDim, valueDim, total) in [(1, 64, 160, 37), (2, 32, 96, 5), (3, 24, 40, 9), (9, 16, 48, 3)] {
            let keyStride = headDim + 16, valueStride = valueDim + 32
            let q = generator.normals(group * headDim), keys = generator.normals(total * keyStride)
            let values = generator.normals(total * valueStride)
            let scale: Float = 0.125
            var fusedScores = [Float](repeating: .nan, count: group * total)
            var fused = [Float](repeating: .nan, count: group * valueDim)
            rk_attend_one_row_form(
                vector, q, group, headDim, keys, keyStride, values, valueStride, 0, valueDim, total, scale, &fusedScores, &fused)
            let form = min(vector, rk_attend_vector_form(group, headDim, valueDim))
            var scores = [Float](repeating: .nan, count: group * total)
            var split = [Float](repeating: .nan, count: group * valueDim)
            rk_attend_scores_form(form, q, group, headDim, keys, 0, keyStride, total, scale, &scores)
            values.withUnsafeBufferPointer { values in
                split.withUnsafeMutableBufferPointer { split in
                    guard let values = values.baseAddress, let split = split.baseAddress else { return }
                    for first in stride(from: 0, to: valueDim, by: 16) {
                        let columns = min(16, valueDim - first)
                        rk_attend_weigh_form(form, scores, group, total, values + first, 0, valueStride, columns, split + first, valueDim)
                    }
                }
            }
            #expect(scores == fusedScores, "form \(vector) group \(group) dim \(headDim)")
            #expect(split == fused, "form \(vector) group \(group) dim \(headDim) values \(valueDim)")
        }
    }

    /// A long cache's scores are computed in ranges of positions (any start, any length), then the
    /// softmax of whole rows: bit for bit the scores of one call over every position.
    @Test(arguments: forms) func scoresInRangesMatchOneCall(_ vector: Int32) {
        var generator = SeededGenerator(seed: 9)
        for (group, headDim, total) in [(3, 64, 613), (1, 128, 40), (2, 16, 17), (9, 32, 100)] {
            let keyStride = group * headDim + 16
            let q = generator.normals(group * headDim), keys = generator.normals(total * keyStride)
            let form = min(vector, rk_attend_vector_form(group, headDim, headDim))
            var whole = [Float](repeating: .nan, count: group * total)
            rk_attend_scores_form(form, q, group, headDim, keys, 0, keyStride, total, 0.125, &whole)
            var pieces = [Float](repeating: .nan, count: group * total)
            var first = 0
            for length in [1, 15, 37, 256, total] where first < total {
                let count = min(length, total - first)
                rk_attend_scores_range_form(form, q, group, headDim, keys, 0, keyStride, first, count, total, 0.125, &pieces)
                first += count
            }
            rk_attend_softmax_form(form, group, headDim, &pieces, total)
            #expect(pieces.map(\.bitPattern) == whole.map(\.bitPattern), "form \(vector) group \(group) dim \(headDim) total \(total)")
        }
    }

    /// An f16 cache: the kernels widen each stored half exactly, so their output equals the f32 form's
    /// on the widened rows bit for bit, whatever the split of positions and columns.
    @Test(arguments: forms) func halfCacheEqualsTheWidenedFloatCache(_ vector: Int32) {
        var generator = SeededGenerator(seed: 10)
        for (group, headDim, total) in [(3, 64, 613), (1, 16, 1), (2, 32, 37), (3, 24, 9)] {
            let keyStride = 3 * headDim + 8, valueStride = 2 * headDim + 16
            let q = generator.normals(group * headDim)
            let halfKeys = generator.normals(total * keyStride).map(HalfPrecision.halfBits(from:))
            let halfValues = generator.normals(total * valueStride).map(HalfPrecision.halfBits(from:))
            let keys = halfKeys.map(HalfPrecision.float(fromHalfBits:)), values = halfValues.map(HalfPrecision.float(fromHalfBits:))
            var floatScores = [Float](repeating: .nan, count: group * total), floatOut = [Float](repeating: .nan, count: group * headDim)
            rk_attend_one_row_form(
                vector, q, group, headDim, keys, keyStride, values, valueStride, 0, headDim, total, 0.125, &floatScores, &floatOut)
            var halfScores = [Float](repeating: .nan, count: group * total), halfOut = [Float](repeating: .nan, count: group * headDim)
            rk_attend_one_row_form(
                vector, q, group, headDim, halfKeys, keyStride, halfValues, valueStride, 1, headDim, total, 0.125, &halfScores,
                &halfOut)
            #expect(
                halfScores.map(\.bitPattern) == floatScores.map(\.bitPattern), "form \(vector) group \(group) dim \(headDim) total \(total)"
            )
            #expect(halfOut.map(\.bitPattern) == floatOut.map(\.bitPattern), "form \(vector) group \(group) dim \(headDim) total \(total)")
            // Ranges of positions, as a long cache is split over threads.
            let form = min(vector, rk_attend_vector_form(group, headDim, headDim))
            var pieces = [Float](repeating: .nan, count: group * total)
            var first = 0
            for length in [5, 256, total] where first < total {
                let count = min(length, total - first)
                rk_attend_scores_range_form(form, q, group, headDim, halfKeys, 1, keyStride, first, count, total, 0.125, &pieces)
                first += count
            }
            rk_attend_softmax_form(form, group, headDim, &pieces, total)
            #expect(pieces.map(\.bitPattern) == floatScores.map(\.bitPattern), "form \(vector) ranges, total \(total)")
        }
    }

    /// The cache's conversions against the Swift reference (`HalfPrecision`, round to nearest even):
    /// every half bit pattern widens exactly, and floats near every rounding boundary, subnormals,
    /// overflow, infinities and NaN narrow to the same bits.
    @Test func halfConversionsMatchTheReference() {
        let everyHalf = (0...UInt16.max).map { $0 }
        var widened = [Float](repeating: 0, count: everyHalf.count)
        rk_widen_half(everyHalf, &widened, everyHalf.count)
        let mismatches = everyHalf.indices.filter {
            let expected = HalfPrecision.float(fromHalfBits: everyHalf[$0])
            return expected.isNaN ? !widened[$0].isNaN : widened[$0].bitPattern != expected.bitPattern
        }
        #expect(mismatches.isEmpty, "widening differs for \(mismatches.count) bit patterns, first \(mismatches.first ?? 0)")

        var generator = SeededGenerator(seed: 11)
        var floats: [Float] = [0, -0, 65504, 65519.99, 65520, 70000, -1e9, .infinity, -.infinity, 6.1e-5, 5.96e-8, 2.98e-8, 1e-10]
        floats += generator.normals(5000, scale: 3) + generator.normals(2000, scale: 3e-5)
        // Exact ties between two halves, both parities.
        floats += (0..<64).map { Float(bitPattern: 0x3F80_1000 &+ UInt32($0) << 13) }
        for count in [floats.count, 7, 17] {
            let input = Array(floats.prefix(count))
            var narrowed = [UInt16](repeating: 0, count: count)
            rk_narrow_half(input, &narrowed, count)
            #expect(narrowed == input.map(HalfPrecision.halfBits(from:)), "count \(count)")
        }
        var nan = [UInt16](repeating: 0, count: 1)
        rk_narrow_half([Float.nan], &nan, 1)
        #expect(HalfPrecision.float(fromHalfBits: nan[0]).isNaN)
    }
}
