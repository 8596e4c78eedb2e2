/// A shell-style glob over whole tensor names, as users type them for `--keep` and `--only`:
/// `*` matches any run of characters (dots included), `?` one character, `[abc]` / `[a-z]` / `[!a]`
/// one character from a set; everything else matches itself. `layers.*.mega.wz.weight` or
/// `*.fc?.weight` are typical.
public struct NamePattern: Hashable, Sendable, CustomStringConvertible {
    private enum Token: Hashable, Sendable {
        case literal(Character)
        case any
        case anyRun
        case set(members: [ClosedRange<Character>], negated: Bool)
    }

    public let description: String
    private let tokens: [Token]

    public init(_ pattern: String) throws {
        var tokens: [Token] = []
        var characters = Array(pattern)[...]
        while let character = characters.popFirst() {
            switch character {
            case "*": if tokens.last != .anyRun { tokens.append(.anyRun) }
            case "?": tokens.append(.any)
            case "[":
                guard let close = characters.dropFirst().firstIndex(of: "]") else { throw QuantizationError.invalidPattern(pattern) }
                var body = characters[characters.startIndex..<close]
                characters = characters[(close + 1)...]
                let negated = body.first == "!"
                if negated { body = body.dropFirst() }
                var members: [ClosedRange<Character>] = []
                let items = Array(body)
                var i = 0
                while i < items.count {
                    if i + 2 < items.count, items[i + 1] == "-" {
                        guard items[i] <= items[i + 2] else { throw QuantizationError.invalidPattern(pattern) }
                        members.append(items[i]...items[i + 2])
                        i += 3
                    } else {
                        members.append(items[i]...items[i])
                        i += 1
                    }
                }
                guard !members.isEmpty else { throw QuantizationError.invalidPattern(pattern) }
                tokens.append(.set(members: members, negated: negated))
            default: tokens.append(.literal(character))
            }
        }
        self.description = pattern
        self.tokens = tokens
    }

    public func matches(_ name: String) -> Bool {
        let text = Array(name)
        // Iterative matching with one backtrack point for the most recent `*` (linear in practice).
        var t = 0, p = 0
        var starToken = -1, starText = 0
        while t < text.count {
            if p < tokens.count, accepts(tokens[p], text[t]) {
                t += 1
                p += 1
            } else if p < tokens.count, tokens[p] == .anyRun {
                starToken = p
                starText = t
                p += 1
            } else if starToken >= 0 {
                p = starToken + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < tokens.count, tokens[p] == .anyRun { p += 1 }
        return p == tokens.count
    }

    private func accepts(_ token: Token, _ character: Character) -> Bool {
        switch token {
        case let .literal(expected): return expected == character
        case .any: return true
        case .anyRun: return false
        case let .set(members, negated): return members.contains { $0.contains(character) } != negated
        }
    }
}
