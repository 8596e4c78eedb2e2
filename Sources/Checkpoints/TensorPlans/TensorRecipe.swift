import Tensors

/// How one output tensor is made from the input: usually a stored tensor as is, sometimes reshaped,
/// re-ordered (the RoPE rows of Llama's q/k projections), split or joined (MEGALODON's complex
/// CEMA gamma in megalodon-jax), or synthesised (buffers one convention stores and another does not).
public indirect enum TensorRecipe: Sendable, Equatable {
    case stored(String)
    /// Same bytes, another shape with the same element count.
    case reshaped(TensorRecipe, [Int])
    /// Rows re-ordered within each of `heads` blocks (dimension 0).
    case ropeRows(TensorRecipe, heads: Int, to: RoPELayout)
    /// `[..., index]` of a tensor whose last axis has `count` entries.
    case lastAxisEntry(TensorRecipe, index: Int, count: Int)
    /// Tensors of equal shape stacked along a new last axis.
    case stackedOnLastAxis([TensorRecipe])
    case zeros(DType, [Int])
    case values([Float], shape: [Int])

    /// The stored tensors this recipe reads.
    public var inputs: [String] {
        switch self {
        case let .stored(name): return [name]
        case let .reshaped(inner, _), let .ropeRows(inner, _, _), let .lastAxisEntry(inner, _, _): return inner.inputs
        case let .stackedOnLastAxis(parts): return parts.flatMap(\.inputs)
        case .zeros, .values: return []
        }
    }

    /// A short description for `--dry-run` listings.
    public var summary: String {
        switch self {
        case let .stored(name): return name
        case let .reshaped(inner, shape): return "\(inner.summary) reshaped to \(shape)"
        case let .ropeRows(inner, heads, layout): return "\(inner.summary) with RoPE rows \(layout.rawValue) (\(heads) heads)"
        case let .lastAxisEntry(inner, index, _): return "\(inner.summary)[..., \(index)]"
        case let .stackedOnLastAxis(parts): return "stack(" + parts.map(\.summary).joined(separator: ", ") + ")"
        case .zeros: return "zeros"
        case .values: return "computed"
        }
    }
}

/// The two orders of the rotary-embedding rows of a Llama query/key projection.
public enum RoPELayout: String, Sendable {
    /// Hugging Face: each head's first half of rows are the real parts, the second half the imaginary parts.
    case halfSplit = "to half-split"
    /// Meta's original release and GGUF: real and imaginary rows alternate.
    case interleaved = "to interleaved"

    /// The input row that lands in output row `row` of a head with `headRows` rows.
    func sourceRow(of row: Int, headRows: Int) -> Int {
        let half = headRows / 2
        switch self {
        case .halfSplit:  // out (part, j) ← in (j, part)
            let (part, j) = (row / half, row % half)
            return 2 * j + part
        case .interleaved:  // out (j, part) ← in (part, j)
            let (j, part) = (row / 2, row % 2)
            return part * half + j
        }
    }
}

extension TensorRecipe {
    /// Runs the recipe against `source`; `info` is the promised output (shape, dtype before casting).
    func make(from source: TensorSource, shape: [Int]) throws -> Tensor {
        switch self {
        case let .stored(name):
            return try source.tensor(named: name)
        case let .reshaped(inner, target):
            let tensor = try inner.make(from: source, shape: target)
            return try Tensor(dtype: tensor.dtype, shape: target, storage: tensor.storage)
        case let .ropeRows(inner, heads, layout):
            let tensor = try inner.make(from: source, shape: shape)
            // Copies hand the input's mapped pages back, so a stream of them stays near one tensor.
            defer { MappedPages.release(tensor) }
            return try Self.permuteRows(tensor, heads: heads, to: layout, location: source.location)
        case let .lastAxisEntry(inner, index, count):
            let tensor = try inner.make(from: source, shape: shape + [count])
            defer { MappedPages.release(tensor) }
            guard let width = tensor.dtype.byteWidth, tensor.shape.last == count else {
                throw ConversionError.shapeDisagreement(
                    input: source.location, tensor: inner.summary, expected: shape + [count], found: tensor.shape)
            }
            let outer = tensor.elementCount / count
            let storage = Storage(count: outer * width) { target in
                for element in 0..<outer {
                    let from = (element * count + index) * width
                    target.baseAddress!.advanced(by: element * width).copyMemory(
                        from: tensor.bytes.baseAddress!.advanced(by: from), byteCount: width)
                }
            }
            return try Tensor(dtype: tensor.dtype, shape: Array(tensor.shape.dropLast()), storage: storage)
        case let .stackedOnLastAxis(parts):
            let pieces = try parts.map { try $0.make(from: source, shape: Array(shape.dropLast())) }
            defer { pieces.forEach(MappedPages.release) }
            guard let first = pieces.first, let width = first.dtype.byteWidth,
                pieces.allSatisfy({ $0.dtype == first.dtype && $0.shape == first.shape })
            else {
                throw ConversionError.shapeDisagreement(
                    input: source.location, tensor: summary, expected: shape, found: pieces.first?.shape ?? [])
            }
            let outer = first.elementCount
            let storage = Storage(count: outer * width * pieces.count) { target in
                for (part, piece) in pieces.enumerated() {
                    for element in 0..<outer {
                        target.baseAddress!.advanced(by: (element * pieces.count + part) * width)
                            .copyMemory(from: piece.bytes.baseAddress!.advanced(by: element * width), byteCount: width)
                    }
                }
            }
            return try Tensor(dtype: first.dtype, shape: first.shape + [pieces.count], storage: storage)
        case let .zeros(dtype, shape):
            return try Tensor(
                dtype: dtype, shape: shape,
                storage: Storage(count: dtype.byteCount(elements: Tensor.elementCount(of: shape) ?? 0) ?? 0) { _ in })
        case let .values(values, shape):
            return try Tensor(floats: values, shape: shape, dtype: .f32)
        }
    }

    /// `tensor`'s rows re-ordered head by head into `layout` (the Q/K projections of Llama; also used by
    /// the Llama engine to load Hugging Face checkpoints into its adjacent-pair RoPE).
    public static func permuteRows(_ tensor: Tensor, heads: Int, to layout: RoPELayout, location: String) throws -> Tensor {
        let rows = tensor.shape.first ?? 0
        guard heads > 0, rows % heads == 0, (rows / heads) % 2 == 0, let width = tensor.dtype.byteWidth else {
            throw ConversionError.shapeDisagreement(
                input: location, tensor: "RoPE projection with \(heads) heads", expected: [heads * 2], found: tensor.shape)
        }
        let headRows = rows / heads
        let rowBytes = rows == 0 ? 0 : tensor.elementCount / rows * width
        let storage = Storage(count: tensor.byteCount) { target in
            guard rowBytes > 0 else { return }
            for head in 0..<heads {
                for row in 0..<headRows {
                    let from = (head * headRows + layout.sourceRow(of: row, headRows: headRows)) * rowBytes
                    target.baseAddress!.advanced(by: (head * headRows + row) * rowBytes)
                        .copyMemory(from: tensor.bytes.baseAddress!.advanced(by: from), byteCount: rowBytes)
                }
            }
        }
        return try Tensor(dtype: tensor.dtype, shape: tensor.shape, storage: storage)
    }
}
