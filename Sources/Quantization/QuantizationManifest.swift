import Foundation

/// What a quantized safetensors checkpoint records about its quantized matrices: the JSON string
/// stored under `__metadata__["quantization"]` (formats/quantized-safetensors.md).
///
/// ```json
/// {"format_version":1,"tensors":{"layers.0.mega.wv.weight":{"scheme":"int4-g64-asym-f16","shape":[8192,4096]}}}
/// ```
/// Keys are the original weight names; the shape is the float matrix's [rows, columns] before padding.
public struct QuantizationManifest: Equatable, Sendable {
    public static let metadataKey = "quantization"
    public static let formatVersion = 1

    /// Per weight name: its scheme and float shape, which is all a `QuantizedLayout` is.
    public var tensors: [String: QuantizedLayout]

    public init(tensors: [String: QuantizedLayout] = [:]) { self.tensors = tensors }

    private struct Encoded: Codable {
        struct Tensor: Codable {
            let scheme: String
            let shape: [Int]
        }

        let format_version: Int
        let tensors: [String: Tensor]
    }

    /// Parses the metadata value; every scheme and shape is validated.
    public init(metadataValue: String) throws {
        let decoded: Encoded
        do {
            decoded = try JSONDecoder().decode(Encoded.self, from: Data(metadataValue.utf8))
        } catch {
            throw QuantizationError.invalidMetadata("not the expected JSON object (\(error))")
        }
        guard decoded.format_version == Self.formatVersion else {
            throw QuantizationError.invalidMetadata("format_version \(decoded.format_version) is not \(Self.formatVersion)")
        }
        var tensors: [String: QuantizedLayout] = [:]
        for (name, tensor) in decoded.tensors {
            guard tensor.shape.count == 2, tensor.shape.allSatisfy({ $0 >= 0 }) else {
                throw QuantizationError.invalidMetadata("\(name): shape \(tensor.shape) is not [rows, columns]")
            }
            tensors[name] = try QuantizedLayout(
                validating: try QuantizationScheme(parsing: tensor.scheme),
                rows: tensor.shape[0], columns: tensor.shape[1], tensor: name)
        }
        self.tensors = tensors
    }

    /// The JSON string to store (keys sorted, so files are reproducible).
    public var metadataValue: String {
        let encoded = Encoded(
            format_version: Self.formatVersion,
            tensors: tensors.mapValues {
                Encoded.Tensor(scheme: $0.scheme.description, shape: [$0.rows, $0.columns])
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(encoded)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }
}
