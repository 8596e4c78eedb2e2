import Foundation
import Quantization
import Tensors

/// The bf16 decode kernels on one large bf16 matrix (bigger than the caches), each variant this CPU
/// has: GB/s of weight bytes streamed, to compare with sgemv's f32 GB/s in the same run and to show
/// which variant the engine should use.
public enum BFloat16KernelAnchors {
    public static func measure(rows: Int, columns: Int, repeats: Int) -> [(variant: BFloat16MatVec.Variant, gigabytesPerSecond: Double)] {
        var generator = SplitMix64(seed: 7)
        let weights = (0..<rows * columns).map { _ in UInt16(truncatingIfNeeded: 0x3C00 | (generator.next() & 0x83FF)) }
        let x = (0..<columns).map { Float($0 % 13) / 13 - 0.5 }
        var y = [Float](repeating: 0, count: rows)
        return BFloat16MatVec.Variant.allCases.filter(\.isAvailable).map { variant in
            let timing = Timing.measure(repeats: repeats) {
                weights.withUnsafeBufferPointer { w in
                    x.withUnsafeBufferPointer { x in
                        y.withUnsafeMutableBufferPointer { y in
                            BFloat16MatVec.apply(
                                w.baseAddress!, outputs: rows, inputs: columns, x: x.baseAddress!, into: y.baseAddress!, variant: variant)
                        }
                    }
                }
            }
            return (variant, Double(rows * columns * 2) / timing.median / 1e9)
        }
    }
}
