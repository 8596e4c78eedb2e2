import Foundation

/// The text a saved state records of the configuration that produced it: compact JSON with sorted
/// keys, so equal configurations give equal text.
func configurationFingerprint<Configuration: Encodable>(_ configuration: Configuration) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(configuration), as: UTF8.self)
}
