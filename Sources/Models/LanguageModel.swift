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
    /// This model with its new states caching attention keys and values in `precision`. Engines
    /// that keep only f32 caches refuse f16.
    func keepingKeyValues(in precision: KeyValuePrecision) throws -> Self
}

extension LanguageModel {
    public func keepingKeyValues(in precision: KeyValuePrecision) throws -> Self {
        guard precision == .f32 else { throw LanguageModelFailure.unsupportedCache(precision) }
        return self
    }
}

/// Why a forward call was refused (shared by the engines).
public enum LanguageModelFailure: Error, Equatable, CustomStringConvertible {
    case tokenOutOfRange(token: Int, index: Int, vocabularySize: Int)
    case stateMismatch(String)
    case unsupportedCache(KeyValuePrecision)

    public var description: String {
        switch self {
        case let .tokenOutOfRange(token, index, vocabularySize):
            return "token \(token) at input position \(index) is outside the vocabulary 0..<\(vocabularySize)"
        case let .stateMismatch(reason): return "the state does not belong to this model: \(reason)"
        case let .unsupportedCache(precision):
            return "this engine keeps its attention caches in f32 only (asked for \(precision.rawValue))"
        }
    }

    /// Throws `tokenOutOfRange` for the first token outside `0..<vocabularySize`.
    static func checkTokens(_ tokens: [Int], vocabularySize: Int) throws {
        for (index, token) in tokens.enumerated() where !(0..<vocabularySize).contains(token) {
            throw tokenOutOfRange(token: token, index: index, vocabularySize: vocabularySize)
        }
    }
}

extension LogitPositions {
    /// The rows, counted from `start`, of the call's tokens `start..<end` that need logits, when
    /// the call has `callLength` tokens in all and is processed in segments.
    func rows(inSegment start: Int, _ end: Int, callLength: Int) -> Range<Int> {
        switch self {
        case .all: return 0..<(end - start)
        case .last: return end == callLength ? (end - start - 1)..<(end - start) : 0..<0
        case .none: return 0..<0
        }
    }
}
