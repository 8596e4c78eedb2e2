import Tensors

/// A quantized weight matrix W[rows, columns] (PyTorch layout: rows = outputs, columns = inputs),
/// independent of the file it came from: the scheme, the shape and read-only views of its bytes.
///
/// The byte views are `Storage`, so a matrix read from a memory-mapped safetensors or GGUF file keeps
/// pointing into the mapping (nothing is copied or dequantized).
public struct QuantizedMatrix: Sendable {
    public let layout: QuantizedLayout
    /// ggml blocks row after row, or the grouped codes ([rows, rowBytes]).
    public let codes: Storage
    /// Grouped schemes: [rows, groupsPerRow] f16 or f32 scales; nil for ggml types.
    public let scales: Storage?
    /// Asymmetric grouped schemes: [rows, groupsPerRow] biases in the scales' type; otherwise nil.
    public let biases: Storage?

    public var scheme: QuantizationScheme { layout.scheme }
    public var rows: Int { layout.rows }
    public var columns: Int { layout.columns }

    /// Checks every byte count against the layout; `name` is used in errors.
    public init(
        scheme: QuantizationScheme, rows: Int, columns: Int, codes: Storage, scales: Storage? = nil,
        biases: Storage? = nil, name: String = "matrix"
    ) throws {
        guard rows >= 0, columns >= 0 else { throw QuantizationError.notAMatrix(tensor: name, shape: [rows, columns]) }
        if let blockValues = scheme.ggmlBlockValues, columns % blockValues != 0 {
            throw QuantizationError.columnsNotMultipleOfBlock(tensor: name, columns: columns, scheme: scheme.description)
        }
        let layout = QuantizedLayout(scheme: scheme, rows: rows, columns: columns)
        func check(_ storage: Storage?, _ field: String, _ expected: Int) throws {
            let actual = storage?.bytes.count ?? 0
            guard actual == expected else {
                throw QuantizationError.byteCountMismatch(tensor: name, field: field, expected: expected, actual: actual)
            }
        }
        try check(codes, "codes", layout.codeBytes)
        try check(scales, "scales", layout.scaleBytes)
        try check(biases, "biases", layout.biasBytes)
        self.layout = layout
        self.codes = codes
        self.scales = layout.scaleBytes > 0 ? scales : nil
        self.biases = layout.biasBytes > 0 ? biases : nil
    }

    /// Bytes the kernels read for one pass over the matrix.
    public var byteCount: Int { layout.codeBytes + layout.scaleBytes + layout.biasBytes }
}
