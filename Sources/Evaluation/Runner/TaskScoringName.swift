/// TaskScoring spelled as a string in results.json, so `merge` can re-aggregate shards without the
/// task definitions.
extension TaskScoring {
    public var name: String {
        switch self {
        case .multipleChoice(let em): return em ? "multiple_choice+em" : "multiple_choice"
        case .exactMatch(let options):
            return "exact_match" + (options.ignoreCase ? "+ignore_case" : "") + (options.ignorePunctuation ? "+ignore_punctuation" : "")
                + (options.squadNormalization == true ? "+squad" : "")
        case .scrolls(let kind): return "scrolls:" + kind.rawValue
        }
    }

    public init?(name: String) {
        if name == "multiple_choice" || name == "multiple_choice+em" {
            self = .multipleChoice(reportsExactMatch: name.hasSuffix("+em"))
        } else if name.hasPrefix("exact_match") {
            self = .exactMatch(
                .init(
                    ignoreCase: name.contains("+ignore_case"), ignorePunctuation: name.contains("+ignore_punctuation"),
                    squadNormalization: name.hasSuffix("+squad") ? true : nil))
        } else if name.hasPrefix("scrolls:"), let kind = ScrollsMetric.Kind(rawValue: String(name.dropFirst(8))) {
            self = .scrolls(kind)
        } else {
            return nil
        }
    }
}
