import CQuantKernels
import Tensors

/// Decode attention (one new position) of every head, split over `ThreadPool.shared`: first the
/// scores and softmax of each key/value head's query group, then the weighted sum of values in
/// blocks of columns, so that a model with one or two heads still gives every thread work. Every
/// score and output value is computed by the same kernel code whatever the split (the kernel's
/// form is chosen once for the whole head), so results do not depend on the thread count.
struct OneRowAttention {
    /// `[heads · headDim]`, query heads of one group consecutive.
    let queries: UnsafePointer<Float>
    /// `[total, keyValueHeads · headDim]` and `[total, keyValueHeads · valueHeadDim]`.
    let keys: UnsafePointer<Float>, values: UnsafePointer<Float>
    /// `heads · total` floats, and `[heads · valueHeadDim]`.
    let scores: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    let keyValueHeads: Int, group: Int
    let headDim: Int, valueHeadDim: Int
    let total: Int

    /// Multiply-adds a thread should get before a split pays for the pool hand-off (a few µs). Decode
    /// reads the cached keys and values back from memory (the weights stream evicts them), about
    /// 5 G multiply-adds/s on Zen 4 (SmolLM2-135M, 128 positions): 16 K is about 3 µs, so a head
    /// group splits from about 90 cached positions on.
    static let multiplyAddsPerPart = 16_384
    /// Value columns per unit of the weighted sum: the kernel's block width, a multiple of the 16
    /// columns its vector form needs.
    static let columnsPerBlock = 64

    func attend(scale: Float) {
        let form = rk_attend_vector_form(group, headDim, valueHeadDim)
        let scoreWork = max(1, group * total * headDim)
        ThreadPool.shared.parallelFor(keyValueHeads, minimumChunk: max(1, Self.multiplyAddsPerPart / scoreWork)) { part in
            for shared in part {
                rk_attend_scores_form(
                    form, queries + shared * group * headDim, group, headDim, keys + shared * headDim, keyValueHeads * headDim,
                    total, scale, scores + shared * group * total)
            }
        }
        let blocks = (valueHeadDim + Self.columnsPerBlock - 1) / Self.columnsPerBlock
        let blockWork = max(1, group * total * Self.columnsPerBlock)
        ThreadPool.shared.parallelFor(keyValueHeads * blocks, minimumChunk: max(1, Self.multiplyAddsPerPart / blockWork)) { part in
            for unit in part {
                let shared = unit / blocks, first = unit % blocks * Self.columnsPerBlock
                let columns = min(Self.columnsPerBlock, valueHeadDim - first)
                rk_attend_weigh_form(
                    form, scores + shared * group * total, group, total,
                    values + shared * valueHeadDim + first, keyValueHeads * valueHeadDim, columns,
                    output + shared * group * valueHeadDim + first, valueHeadDim)
            }
        }
    }
}
