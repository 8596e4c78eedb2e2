import Checkpoints
import Quantization
import Tensors

/// Reads a checkpoint's weight matrices in the form it stores them, so the engines never hold a
/// dequantized copy: float tensors; the parts a quantized safetensors checkpoint lists in its manifest
/// (formats/quantized-safetensors.md); or GGUF blocks of the types the integer kernels compute with
/// (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K–Q6_K, IQ4_NL). Other ggml types (IQ4_XS, IQ1–IQ3, ...) have no
/// kernel here; `GGUFFile.tensor(named:)` refuses them (`cannotDequantize`).
struct MatrixReader {
    let source: TensorSource
    /// The quantized weights of a quantized safetensors checkpoint, by float weight name.
    let manifest: QuantizationManifest?
    let arithmetic: QuantizedArithmetic

    init(_ source: TensorSource, arithmetic: QuantizedArithmetic) throws {
        self.source = source
        self.arithmetic = arithmetic
        manifest = try QuantizedCheckpointLayout.manifest(of: source)
    }

    /// Whether the checkpoint stores `name`, as a float tensor or quantized.
    func holds(_ name: String) -> Bool {
        manifest?.tensors[name] != nil || source.contains(name)
    }

    /// The matrix `name`. `rearrangeRows` reorders rows (Hugging Face Q/K rows into the interleaved
    /// RoPE layout); it receives the float tensor, or each quantized part as rows of bytes, so that
    /// whole quantized rows move together with their scales.
    func matrix(_ name: String, rearrangeRows: ((Tensor) throws -> Tensor)? = nil) throws -> WeightMatrix {
        if let quantized = try quantizedMatrix(name) {
            let arranged = try rearrangeRows.map { try quantized.rearrangingRows(name: name, $0) } ?? quantized
            return WeightMatrix(arranged, name: name, arithmetic: arithmetic)
        }
        var tensor = try source.tensor(named: name)
        if let rearrangeRows { tensor = try rearrangeRows(tensor) }
        return try WeightMatrix(tensor, name: name)
    }

    /// `name` as stored quantized, or nil when it is a float tensor (or a GGUF type without a kernel).
    func quantizedMatrix(_ name: String) throws -> QuantizedMatrix? {
        if let layout = manifest?.tensors[name] {
            return try QuantizedCheckpointLayout.matrix(weightName: name, layout: layout, from: source)
        }
        if let file = source as? GGUFFile, let info = try? file.ggufInfo(named: name),
            QuantizationScheme(ggmlType: info.type) != nil, info.shape.count == 2
        {
            return try QuantizedMatrix(gguf: file.rawTensor(named: name), name: name)
        }
        return nil
    }

    /// When `name` is stored at all, it must equal `reference` bit for bit (a tied output head kept
    /// under its own key); a quantized copy must have the reference's scheme and the same bytes in
    /// every part.
    func requireIdentical(_ name: String, to reference: String, because reason: String) throws {
        guard manifest?.tensors[name] != nil else { return try source.requireIdentical(name, to: reference, because: reason) }
        guard let copy = try quantizedMatrix(name), let original = try quantizedMatrix(reference), copy.layout == original.layout,
            copy.codes.bytes.elementsEqual(original.codes.bytes),
            (copy.scales?.bytes).map(Array.init) == (original.scales?.bytes).map(Array.init),
            (copy.biases?.bytes).map(Array.init) == (original.biases?.bytes).map(Array.init)
        else {
            throw WeightLoadingError.inconsistent(
                location: source.location, tensor: name,
                reason: "\(reason) but its quantized form differs from \(reference)")
        }
    }
}
