import Tensors

extension QuantizedMatrix {
    /// The same matrix with its rows rearranged by `rearrange`, which is applied alike to each part
    /// (codes, scales, biases), each given as a `[rows, bytes per row]` U8 tensor: every part is
    /// row-major, so moving whole rows of bytes moves whole quantized rows. The result owns copies of
    /// the parts (quantized size; nothing is dequantized).
    public func rearrangingRows(name: String, _ rearrange: (Tensor) throws -> Tensor) throws -> QuantizedMatrix {
        func rearranged(_ storage: Storage) throws -> Storage {
            let shape = [rows, rows == 0 ? 0 : storage.bytes.count / rows]
            let result = try rearrange(try Tensor(dtype: .u8, shape: shape, storage: storage))
            guard result.shape == shape, result.byteCount == storage.bytes.count else {
                throw QuantizationError.shapeMismatch(tensor: name, expected: shape, actual: result.shape)
            }
            return result.storage
        }
        return try QuantizedMatrix(
            scheme: scheme, rows: rows, columns: columns, codes: try rearranged(codes),
            scales: try scales.map(rearranged), biases: try biases.map(rearranged), name: name)
    }
}
