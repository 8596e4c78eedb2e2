/// One of `count` interleaved parts of a run: items whose index ≡ `index` (mod `count`).
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (0..<count).contains(index) else { throw Failure.invalid("\(index)/\(count)") }
        self.index = index
        self.count = count
    }

    /// "i/n" with 0 ≤ i < n.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { throw Failure.invalid(text) }
        try self.init(index: index, count: count)
    }

    public func contains(_ item: EvaluationItem) -> Bool { item.index % count == index }

    public var description: String { "\(index)/\(count)" }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        public var description: String { "shard \"\(self.text)\" is not of the form i/n with 0 <= i < n" }
        var text: String { if case .invalid(let t) = self { return t }; return "" }
    }
}
