import Tensors

/// A source that can produce part of a tensor without producing the rest (generated weights):
/// rows `rows` of the first axis and, for a matrix, columns `columns`. Writers that split tensors
/// (model-parallel rank files) use it to keep memory at one slice.
public protocol SlicedTensorSource: TensorSource {
    func tensor(named name: String, rows: Range<Int>, columns: Range<Int>) throws -> Tensor
}

extension Tensor {
    /// Rows `rows` (first axis) and, for a matrix, columns `columns`, copied out.
    public func slice(rows: Range<Int>, columns: Range<Int>) throws -> Tensor {
        let rowCount = shape.first ?? 1
        let columnCount = shape.dropFirst().reduce(1, *)
        let width = byteCount / max(1, rowCount * columnCount)
        var newShape = shape
        if !newShape.isEmpty { newShape[0] = rows.count }
        if newShape.count == 2 { newShape[1] = columns.count }
        let source = bytes
        let storage = Storage(count: rows.count * columns.count * width) { target in
            guard let from = source.baseAddress, let to = target.baseAddress else { return }
            for (offset, row) in rows.enumerated() {
                (to + offset * columns.count * width).copyMemory(
                    from: from + (row * columnCount + columns.lowerBound) * width,
                    byteCount: columns.count * width)
            }
        }
        return try Tensor(dtype: dtype, shape: newShape, storage: storage)
    }
}
