@_exported import Checkpoints

/// Which positions of a call a forward pass should return logits for. Asking for fewer saves the
/// output projection, which for a 32K vocabulary costs as much as a layer.
public enum LogitPositions: Sendable, Equatable {
    /// One row per input token.
    case all
    /// Only the row of the call's last token (decoding).
    case last
    /// No rows: the call only advances the state (prefilling a context).
    case none
}

/// Logits of a forward call: `rowCount` rows of `vocabularySize` values, row-major, in input order.
public struct Logits: Sendable, Equatable {
    public var rowCount: Int
    public var vocabularySize: Int
    public var values: [Float]

    public init(rowCount: Int, vocabularySize: Int, values: [Float]) {
        precondition(values.count == rowCount * vocabularySize, "logit rows do not fill the vocabulary")
        self.rowCount = rowCount
        self.vocabularySize = vocabularySize
        self.values = values
    }

    /// The logits of row `index`.
    public func row(_ index: Int) -> ArraySlice<Float> {
        values[index * vocabularySize..<(index + 1) * vocabularySize]
    }
}

/// A causal language model that consumes tokens in any split and carries everything it remembers in
/// an explicit state value. Feeding a sequence in one call or in several gives the same logits.
public protocol LanguageModel: Sendable {
    associatedtype Configuration
    associatedtype State

    var config: Configuration { get }
    /// Number of logits per position.
    var vocabularySize: Int { get }
    /// The state before any token has been seen.
    func makeState() -> State
    /// Consumes `tokens` after everything `state` has seen and returns logits for `positions`.
    func forward(_ tokens: [Int], state: inout State, positions: LogitPositions) throws -> Logits
}
