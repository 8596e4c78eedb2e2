/// The subset of lm-eval's Jinja templates these tasks use: literal text with `{{field}}` holes,
/// filled verbatim (no escaping, trailing newlines kept, as lm-eval's environment does).
public struct PromptTemplate: Sendable, Equatable {
    public enum Piece: Sendable, Equatable { case literal(String), field(String) }
    public let pieces: [Piece]

    public enum ParseError: Error, Equatable { case unclosedField(template: String) }

    public init(_ template: String) throws {
        var pieces: [Piece] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { pieces.append(.literal(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw ParseError.unclosedField(template: template)
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: " ")
            pieces.append(.field(name))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.literal(String(rest))) }
        self.pieces = pieces
    }

    public enum RenderError: Error, Equatable { case unknownField(String) }

    public func render(_ fields: [String: String]) throws -> String {
        var output = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): output += text
            case .field(let name):
                guard let value = fields[name] else { throw RenderError.unknownField(name) }
                output += value
            }
        }
        return output
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
