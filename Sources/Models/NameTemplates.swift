/// Renames by templates in which `{i}` stands for a layer index.
struct NameTemplates {
    private let exact: [String: String]
    private let layered: [(prefix: String, suffix: String, target: String)]

    init(_ pairs: [(String, String)]) {
        var exact: [String: String] = [:]
        var layered: [(String, String, String)] = []
        for (from, to) in pairs {
            if let marker = from.range(of: "{i}") {
                layered.append((String(from[..<marker.lowerBound]), String(from[marker.upperBound...]), to))
            } else {
                exact[from] = to
            }
        }
        self.exact = exact
        self.layered = layered
    }

    func map(_ name: String) -> String? {
        if let target = exact[name] { return target }
        for rule in layered
        where name.hasPrefix(rule.prefix) && name.hasSuffix(rule.suffix) && name.count > rule.prefix.count + rule.suffix.count {
            let index = name.dropFirst(rule.prefix.count).dropLast(rule.suffix.count)
            guard index.allSatisfy(\.isASCII), index.allSatisfy(\.isNumber) else { continue }
            return rule.target.replacingOccurrences(of: "{i}", with: String(index))
        }
        return nil
    }
}
