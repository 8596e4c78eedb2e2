import Checkpoints

extension QuantizedMatrix {
    /// A matrix straight from a GGUF tensor's blocks (zero copy into the mapped file). Only the types
    /// the integer kernels compute with are accepted: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K–Q6_K, IQ4_NL; the
    /// tensor must be 2-D.
    public init(gguf tensor: GGUFRawTensor, name: String) throws {
        guard let scheme = QuantizationScheme(ggmlType: tensor.type) else {
            throw QuantizationError.unsupportedDType(tensor: name, dtype: tensor.type.name)
        }
        guard tensor.shape.count == 2 else { throw QuantizationError.notAMatrix(tensor: name, shape: tensor.shape) }
        try self.init(scheme: scheme, rows: tensor.shape[0], columns: tensor.shape[1], codes: tensor.storage, name: name)
    }
}
