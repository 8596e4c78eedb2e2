import CQuantKernels
import Tensors

/// Decode attention (one new position) of every head, split over `ThreadPool.shared`: first the
/// scores and softmax of each key/value head's query group (a long cache's scores in blocks of
/// positions, then the softmax), then the weighted sum of values in blocks of columns, so that a
/// model with few heads still gives every thread an even share. Every
/// score and output value is computed by the same kernel code whatever the split (the kernel's
/// form is chosen once for the whole head), so results do not depend on the thread count.
struct OneRowAttention {
    /// `[heads · headDim]`, query heads of one group consecutive.
    let queries: UnsafePointer<Float>
    /// `[total, keyValueHeads · headDim]` and `[total, keyValueHeads · valueHeadDim]`: floats, or f16
    /// bits when `half` (an f16 cache).
    let keys: UnsafeRawPointer, values: UnsafeRawPointer, half: Bool
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
    /// Value columns per unit of the weighted sum: 64 (the kernel's block), halved down to one vector
    /// of 16 until the units give every thread two. Each column is summed alone in its lane, so the
    /// width changes no result, only the balance: SmolLM2-135M's 3 key/value heads went 2:1 between
    /// two threads in blocks of 64; always 16 made its 1-thread decode at 6,000 cached positions 18%
    /// slower (each block re-reads the scores).
    static func columnsPerBlock(keyValueHeads: Int, valueHeadDim: Int, threads: Int) -> Int {
        var columns = 64
        while columns > 16, keyValueHeads * ((valueHeadDim + columns - 1) / columns) < 2 * threads { columns /= 2 }
        return columns
    }
    /// Cached positions per unit of the scores when a long cache is split by position as well as by
    /// head (on more than one thread, where the heads alone do not give every thread two units), their
    /// softmax then taken row by row. Split by head alone, SmolLM2-135M's 3 heads went 2:1 between two
    /// threads, and its 2-thread decode at 6,000 cached positions ran 39.6 tok/s against llama.cpp's 57.
    static let positionsPerBlock = 256

    /// Bytes per cached element, and the kernels' flag for f16.
    private var elementSize: Int { half ? 2 : 4 }
    private var halfFlag: Int32 { half ? 1 : 0 }

    func attend(scale: Float) {
        let form = rk_attend_vector_form(group, headDim, valueHeadDim)
        let scoreWork = max(1, group * total * headDim)
        let threads = ThreadPool.shared.threadCount
        if total <= Self.positionsPerBlock || keyValueHeads >= 2 * threads {
            ThreadPool.shared.parallelFor(keyValueHeads, minimumChunk: max(1, Self.multiplyAddsPerPart / scoreWork)) { part in
                for shared in part {
                    rk_attend_scores_form(
                        form, queries + shared * group * headDim, group, headDim, keys + shared * headDim * elementSize, halfFlag,
                        keyValueHeads * headDim, total, scale, scores + shared * group * total)
                }
            }
        } else {
            let blocks = (total + Self.positionsPerBlock - 1) / Self.positionsPerBlock
            let blockWork = max(1, group * Self.positionsPerBlock * headDim)
            ThreadPool.shared.parallelFor(keyValueHeads * blocks, minimumChunk: max(1, Self.multiplyAddsPerPart / blockWork)) { part in
                for unit in part {
                    let shared = unit / blocks, first = unit % blocks * Self.positionsPerBlock
                    rk_attend_scores_range_form(
                        form, queries + shared * group * headDim, group, headDim, keys + shared * headDim * elementSize, halfFlag,
                        keyValueHeads * headDim, first, min(Self.positionsPerBlock, total - first), total, scale,
                        scores + shared * group * total)
                }
            }
            ThreadPool.shared.parallelFor(keyValueHeads, minimumChunk: max(1, Self.multiplyAddsPerPart / (group * total))) { part in
                for shared in part { rk_attend_softmax_form(form, group, headDim, scores + shared * group * total, total) }
            }
        }
        let width = Self.columnsPerBlock(keyValueHeads: keyValueHeads, valueHeadDim: valueHeadDim, threads: threads)
        let blocks = (valueHeadDim + width - 1) / width
        let blockWork = max(1, group * total * width)
        ThreadPool.shared.parallelFor(keyValueHeads * blocks, minimumChunk: max(1, Self.multiplyAddsPerPart / blockWork)) { part in
            for unit in part {
                let shared = unit / blocks, first = unit % blocks * width
                let columns = min(width, valueHeadDim - first)
                rk_attend_weigh_form(
                    form, scores + shared * group * total, group, total,
                    values + (shared * valueHeadDim + first) * elementSize, halfFlag, keyValueHeads * valueHeadDim, columns,
                    output + shared * group * valueHeadDim + first, valueHeadDim)
            }
        }
    }
}
