import Checkpoints
import Tensors

/// How a quantized matrix is stored as safetensors tensors (formats/quantized-safetensors.md): the
/// weight `<base>.weight` is replaced by `<base>.qweight` (codes or ggml blocks), `<base>.scales`
/// and, for asymmetric grouped schemes, `<base>.biases`.
public enum QuantizedCheckpointLayout {
    /// The module prefix of a weight name: `layers.0.mega.wv.weight` → `layers.0.mega.wv`; names that
    /// do not end in `.weight` keep their full name as the base.
    public static func baseName(ofWeight name: String) -> String {
        name.hasSuffix(".weight") ? String(name.dropLast(".weight".count)) : name
    }

    public static func codesName(ofWeight name: String) -> String { baseName(ofWeight: name) + ".qweight" }
    public static func scalesName(ofWeight name: String) -> String { baseName(ofWeight: name) + ".scales" }
    public static func biasesName(ofWeight name: String) -> String { baseName(ofWeight: name) + ".biases" }

    /// dtype and shape of each stored part.
    static func codesInfo(_ layout: QuantizedLayout) -> (DType, [Int]) {
        if case let .grouped(scheme) = layout.scheme, scheme.bits == .int8, scheme.symmetric {
            return (.i8, [layout.rows, layout.rowBytes])
        }
        return (.u8, [layout.rows, layout.rowBytes])
    }

    static func scaleInfo(_ layout: QuantizedLayout) -> (DType, [Int])? {
        guard case let .grouped(scheme) = layout.scheme else { return nil }
        return (scheme.scaleType == .f16 ? .f16 : .f32, [layout.rows, layout.groupsPerRow])
    }

    /// The tensors that store `matrix` in place of the float weight `weightName` (zero copy: they share
    /// the matrix's storage).
    public static func tensors(for matrix: QuantizedMatrix, weightName: String) throws -> [(name: String, tensor: Tensor)] {
        let layout = matrix.layout
        let (codeType, codeShape) = codesInfo(layout)
        var parts = [(codesName(ofWeight: weightName), try Tensor(dtype: codeType, shape: codeShape, storage: matrix.codes))]
        if let (scaleType, scaleShape) = scaleInfo(layout) {
            if let scales = matrix.scales {
                parts.append((scalesName(ofWeight: weightName), try Tensor(dtype: scaleType, shape: scaleShape, storage: scales)))
            }
            if let biases = matrix.biases {
                parts.append((biasesName(ofWeight: weightName), try Tensor(dtype: scaleType, shape: scaleShape, storage: biases)))
            }
        }
        return parts
    }

    /// Reads the quantized matrix that replaced `weightName`, checking every part's dtype and shape.
    /// With a memory-mapped source the matrix points into the mapping.
    public static func matrix(weightName: String, layout: QuantizedLayout, from source: TensorSource) throws -> QuantizedMatrix {
        func part(_ name: String, _ expected: (DType, [Int])) throws -> Storage {
            guard let info = source.info(named: name) else { throw QuantizationError.missingTensor(name) }
            guard info.dtype == expected.0 else { throw QuantizationError.unsupportedDType(tensor: name, dtype: info.dtype.rawValue) }
            guard info.shape == expected.1 else { throw QuantizationError.shapeMismatch(tensor: name, expected: expected.1, actual: info.shape) }
            return try source.tensor(named: name).storage
        }
        let codes = try part(codesName(ofWeight: weightName), codesInfo(layout))
        var scales: Storage?, biases: Storage?
        if let info = scaleInfo(layout) {
            scales = try part(scalesName(ofWeight: weightName), info)
            if layout.biasBytes > 0 { biases = try part(biasesName(ofWeight: weightName), info) }
        }
        return try QuantizedMatrix(scheme: layout.scheme, rows: layout.rows, columns: layout.columns, codes: codes,
                                   scales: scales, biases: biases, name: weightName)
    }

    /// Reads the manifest from a source's metadata (nil when the checkpoint is not quantized).
    public static func manifest(of source: TensorSource) throws -> QuantizationManifest? {
        guard let value = source.metadata[QuantizationManifest.metadataKey] else { return nil }
        return try QuantizationManifest(metadataValue: value)
    }
}
