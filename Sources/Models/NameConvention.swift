import Checkpoints

/// A tensor naming convention a checkpoint can use, recognised from the names it holds. Each wing
/// declares its conventions (`MegalodonArchitecture`, `LlamaArchitecture`) and how to recognise
/// them; `Architectures.convention(of:)` asks every wing.
public struct NameConvention: Hashable, Sendable, CustomStringConvertible {
    /// How messages and `--dry-run` name the convention.
    public let rawValue: String
    public let family: ModelFamily?
    /// The `--names` value that asks for this convention as output, when another convention can be
    /// converted into it (nil for a family's canonical convention, which `canonical` asks for).
    public let outputName: String?

    public init(_ label: String, family: ModelFamily?, outputName: String? = nil) {
        (rawValue, self.family, self.outputName) = (label, family, outputName)
    }

    public var description: String { rawValue }

    public static let unknown = NameConvention("unrecognised names", family: nil)

    public static func detect(_ names: [String]) -> NameConvention { Architectures.convention(of: names) }
}
