import Tensors

/// The row permutation between the two layouts of Llama's query/key projections.
///
/// Hugging Face checkpoints rotate each head's halves (`x[i]` pairs with `x[i + d/2]`); Meta and
/// GGUF checkpoints rotate adjacent pairs (`x[2i]` with `x[2i+1]`). The Hugging Face converter
/// reorders the rows of `wq`/`wk` head by head so both compute the same model: interleaved row
/// `2i + j` of a head is rotate-half row `j · d/2 + i`. Applying this once at load time lets one
/// RoPE kernel serve both layouts.
public enum LlamaPermutation {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notDivisible(tensor: String, rows: Int, heads: Int)

        public var description: String {
            switch self {
            case let .notDivisible(tensor, rows, heads):
                return "\(tensor): \(rows) rows do not split into \(heads) heads of an even width"
            }
        }
    }

    /// Rows of a rotate-half (Hugging Face) projection `[heads · d, inputs]` reordered into the
    /// interleaved (Meta/GGUF) layout. Works on any dtype with a fixed element width.
    public static func interleavedFromHalves(_ tensor: Tensor, heads: Int, name: String) throws -> Tensor {
        try permuteRows(tensor, heads: heads, name: name) { headDim, row in
            let (pair, half) = row.quotientAndRemainder(dividingBy: 2)
            return half * (headDim / 2) + pair
        }
    }

    /// The inverse: interleaved (Meta/GGUF) rows back into the rotate-half (Hugging Face) layout.
    public static func halvesFromInterleaved(_ tensor: Tensor, heads: Int, name: String) throws -> Tensor {
        try permuteRows(tensor, heads: heads, name: name) { headDim, row in
            let (half, pair) = row.quotientAndRemainder(dividingBy: headDim / 2)
            return 2 * pair + half
        }
    }

    /// Output row `r` of each head is source row `sourceRow(headDim, r)` of the same head.
    private static func permuteRows(_ tensor: Tensor, heads: Int, name: String, sourceRow: (Int, Int) -> Int) throws -> Tensor {
        let rows = tensor.shape.first ?? 0
        guard tensor.rank >= 1, rows > 0, heads > 0, rows % heads == 0, (rows / heads) % 2 == 0,
              tensor.dtype.byteWidth != nil else {
            throw Failure.notDivisible(tensor: name, rows: rows, heads: heads)
        }
        let headDim = rows / heads
        let rowBytes = tensor.byteCount / rows
        let source = tensor.bytes
        let storage = try Storage(count: tensor.byteCount) { target in
            guard let from = source.baseAddress, let to = target.baseAddress else { return }
            for head in 0..<heads {
                for row in 0..<headDim {
                    let origin = (head * headDim + sourceRow(headDim, row)) * rowBytes
                    (to + (head * headDim + row) * rowBytes).copyMemory(from: from + origin, byteCount: rowBytes)
                }
            }
        }
        return try Tensor(dtype: tensor.dtype, shape: tensor.shape, storage: storage)
    }
}
