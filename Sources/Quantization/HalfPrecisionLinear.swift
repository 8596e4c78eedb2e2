import CQuantKernels
import Tensors

/// `y = x · Wᵀ` for weights kept in f16 or bf16 (W[outputs, inputs]), widened to float on the fly:
/// half the bytes of an f32 sgemv for decode, no float copy of the matrix.
public enum HalfPrecisionLinear {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unsupported(DType)
        case notAMatrix([Int])

        public var description: String {
            switch self {
            case let .unsupported(dtype): return "half-precision linear needs F16 or BF16 weights, got \(dtype)"
            case let .notAMatrix(shape): return "half-precision linear needs a 2-D weight, got shape \(shape)"
            }
        }
    }

    /// y[rows, outputs] = x[rows, inputs] · weightᵀ.
    public static func apply(
        _ weight: Tensor, to x: UnsafeBufferPointer<Float>, rows: Int,
        into y: UnsafeMutableBufferPointer<Float>, variant: KernelVariant = .preferred
    ) throws {
        guard weight.dtype == .f16 || weight.dtype == .bf16 else { throw Failure.unsupported(weight.dtype) }
        guard weight.rank == 2 else { throw Failure.notAMatrix(weight.shape) }
        let (outputs, inputs) = (weight.shape[0], weight.shape[1])
        precondition(x.count == rows * inputs && y.count == rows * outputs, "x or y does not match the weight's shape")
        precondition(variant.isAvailable, "kernel variant \(variant) is not available on this CPU")
        guard outputs > 0, rows > 0 else { return }
        let bf16: Int32 = weight.dtype == .bf16 ? 1 : 0
        withExtendedLifetime(weight) {
            let w = weight.storage.bytes.baseAddress?.assumingMemoryBound(to: UInt16.self)
            let chunk = max(16, 262_144 / max(inputs, 1))
            ThreadPool.shared.parallelFor(outputs, minimumChunk: chunk) { range in
                qk_half_matmul(
                    variant.rawValue, w, bf16, inputs, x.baseAddress, rows, range.lowerBound, range.upperBound,
                    y.baseAddress, outputs)
            }
        }
    }
}
