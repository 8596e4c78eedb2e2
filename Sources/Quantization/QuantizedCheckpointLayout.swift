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
    public static func codesInfo(_ layout: QuantizedLayout) -> (DType, [Int]) {
        if case let .grouped(scheme) = layout.scheme, scheme.bits == .int8, scheme.symmetric {
            return (.i8, [layout.rows, layout.rowBytes])
        }
        return (.u8, [layout.rows, layout.rowBytes])
    }

    public static func scaleInfo(_ layout: QuantizedLayout) -> (DType, [Int])? {
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

    /// One stored tensor of a quantized matrix, as a checkpoint must hold it.
    public struct Part: Equatable, Sendable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
    }

    /// Every tensor that stores a matrix of `layout` in place of the float weight `weightName`:
    /// codes, then scales and biases when the scheme keeps them apart.
    public static func parts(weightName: String, layout: QuantizedLayout) -> [Part] {
        let (codeType, codeShape) = codesInfo(layout)
        var parts = [Part(name: codesName(ofWeight: weightName), dtype: codeType, shape: codeShape)]
        if let (scaleType, scaleShape) = scaleInfo(layout) {
            parts.append(Part(name: scalesName(ofWeight: weightName), dtype: scaleType, shape: scaleShape))
            if layout.biasBytes > 0 { parts.append(Part(name: biasesName(ofWeight: weightName), dtype: scaleType, shape: scaleShape)) }
        }
        return parts
    }

    /// Reads the quantized matrix that replaced `weightName`, checking every part's dtype and shape.
    /// With a memory-mapped source the matrix points into the mapping.
    public static func matrix(weightName: String, layout: QuantizedLayout, from source: TensorSource) throws -> QuantizedMatrix {
        let storages = try parts(weightName: weightName, layout: layout).map { part -> Storage in
            guard let info = source.info(named: part.name) else { throw QuantizationError.missingTensor(part.name) }
            guard info.dtype == part.dtype else { throw QuantizationError.unsupportedDType(tensor: part.name, dtype: info.dtype.rawValue) }
            guard info.shape == part.shape else {
                throw QuantizationError.shapeMismatch(tensor: part.name, expected: part.shape, actual: info.shape)
            }
            return try source.tensor(named: part.name).storage
        }
        return try QuantizedMatrix(
            scheme: layout.scheme, rows: layout.rows, columns: layout.columns, codes: storages[0],
            scales: storages.count > 1 ? storages[1] : nil, biases: storages.count > 2 ? storages[2] : nil,
            name: weightName)
    }

    /// Reads the manifest from a source's metadata (nil when the checkpoint is not quantized).
    public static func manifest(of source: TensorSource) throws -> QuantizationManifest? {
        guard let value = source.metadata[QuantizationManifest.metadataKey] else { return nil }
        return try QuantizationManifest(metadataValue: value)
    }
}
