import Foundation
import Tensors
import TestSupport
import Testing

@testable import Quantization

/// The bf16 decode kernels against the reference they replace: widen every weight to f32, then a
/// dot product in double. Every variant this CPU has, shapes with and without vector tails.
struct BFloat16MatVecTests {
    static func reference(_ w: [UInt16], outputs: Int, inputs: Int, x: [Float]) -> [Double] {
        (0..<outputs).map { row in
            (0..<inputs).reduce(0.0) { $0 + Double(HalfPrecision.float(fromBFloat16Bits: w[row * inputs + $1])) * Double(x[$1]) }
        }
    }

    @Test(arguments: [(1, 1), (3, 31), (4, 32), (5, 33), (9, 100), (17, 4096 + 7), (64, 512)])
    func everyVariantMatchesWidenThenFloat(outputs: Int, inputs: Int) {
        var generator = SeededGenerator(seed: UInt64(outputs * 7919 + inputs))
        let w = generator.normals(outputs * inputs).map { HalfPrecision.bfloat16Bits(from: $0) }
        let x = generator.normals(inputs)
        let expected = Self.reference(w, outputs: outputs, inputs: inputs, x: x)
        // Bound: the sum of |w·x| (cancellation), scaled by the variant's rounding of x.
        let magnitude = (0..<outputs).map { row in
            (0..<inputs).reduce(0.0) { $0 + abs(Double(HalfPrecision.float(fromBFloat16Bits: w[row * inputs + $1])) * Double(x[$1])) }
        }
        let variants = BFloat16MatVec.Variant.allCases.filter(\.isAvailable)
        #expect(variants.contains(.portable))
        for variant in variants {
            for accumulate in [false, true] {
                var y = [Float](repeating: accumulate ? 1 : .nan, count: outputs)
                w.withUnsafeBufferPointer { ws in
                    x.withUnsafeBufferPointer { xs in
                        y.withUnsafeMutableBufferPointer { ys in
                            BFloat16MatVec.apply(
                                ws.baseAddress!, outputs: outputs, inputs: inputs, x: xs.baseAddress!, into: ys.baseAddress!,
                                accumulate: accumulate, variant: variant)
                        }
                    }
                }
                // f32 accumulation: ~1e-6 relative to the magnitude; the hi+lo bf16 split of x keeps ~16 bits.
                let tolerance = variant == .avx512BF16 ? 5e-5 : 1e-5
                for row in 0..<outputs {
                    let want = expected[row] + (accumulate ? 1 : 0)
                    let error = abs(Double(y[row]) - want)
                    #expect(
                        error <= tolerance * magnitude[row] + 1e-6, "\(variant) row \(row) of [\(outputs), \(inputs)]: \(y[row]) vs \(want)"
                    )
                }
            }
        }
    }

    @Test func theChosenVariantIsTheBestExactOneUnlessForced() {
        #expect(BFloat16MatVec.Variant.selected.isAvailable)
        if ProcessInfo.processInfo.environment["MEGALODON_BF16_KERNEL"] == nil {
            let expected: BFloat16MatVec.Variant =
                BFloat16MatVec.Variant.avx512Widen.isAvailable
                ? .avx512Widen : BFloat16MatVec.Variant.avx2Widen.isAvailable ? .avx2Widen : .portable
            #expect(BFloat16MatVec.Variant.selected == expected)
        }
    }
}
