import Foundation

/// The `quantization` section written into a quantized checkpoint's config.json: the policy used, so
/// that a reader knows the checkpoint is quantized before opening any weights (per-tensor schemes are
/// in the safetensors manifest).
///
/// ```json
/// "quantization": {"format": "megalodon-quantized-safetensors", "format_version": 1,
///                  "scheme": "int4-g64-asym-f16", "embeddings": null, "keep": ["layers.0.*"], "only": []}
/// ```
public struct QuantizationConfig: Codable, Equatable, Sendable {
    public static let formatName = "megalodon-quantized-safetensors"

    public var format: String
    public var formatVersion: Int
    public var scheme: String
    public var embeddings: String?
    public var keep: [String]
    public var only: [String]

    enum CodingKeys: String, CodingKey {
        case format, scheme, embeddings, keep, only
        case formatVersion = "format_version"
    }

    public init(policy: QuantizationPolicy) {
        format = Self.formatName
        formatVersion = QuantizationManifest.formatVersion
        scheme = policy.scheme.description
        embeddings = policy.embeddings?.description
        keep = policy.keep.map(\.description)
        only = policy.only.map(\.description)
    }

    /// The policy this section describes (schemes and patterns re-validated).
    public func policy() throws -> QuantizationPolicy {
        guard format == Self.formatName, formatVersion == QuantizationManifest.formatVersion else {
            throw QuantizationError.invalidMetadata("config.json quantization section is \(format) version \(formatVersion)")
        }
        return QuantizationPolicy(
            scheme: try QuantizationScheme(parsing: scheme),
            embeddings: try embeddings.map { try QuantizationScheme(parsing: $0) },
            keep: try keep.map(NamePattern.init), only: try only.map(NamePattern.init))
    }
}
