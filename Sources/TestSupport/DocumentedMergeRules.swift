import Checkpoints
import Foundation

/// The model-parallel merge tables of formats/names/*.json evaluated as written: Checkpoints' tests
/// merge with them (the reader knows no architecture), and Models' tests check that each wing's
/// `modelParallelMergeRule` agrees with them.
public struct DocumentedMergeRules: Decodable, Sendable {
    struct Rule: Decodable, Sendable {
        let match: String
        let value: String
        let merge: String
    }

    let rules: [Rule]

    /// The table of formats/names/`file`.
    public static func load(_ file: String) throws -> DocumentedMergeRules {
        let url = SharedFiles.packageRoot.appendingPathComponent("formats/names/\(file)")
        return try JSONDecoder().decode(DocumentedMergeRules.self, from: Data(contentsOf: url))
    }

    /// The first rule matching `name` (with `rank` dimensions), nil when none does.
    public func rule(for name: String, rank: Int) -> MergeRule? {
        for rule in rules {
            let fits: Bool
            switch rule.match {
            case "exact": fits = name == rule.value
            case "prefix": fits = name.hasPrefix(rule.value)
            case "suffix": fits = name.hasSuffix(rule.value)
            case "contains": fits = name.contains(rule.value)
            case "rank_at_most": fits = rank <= Int(rule.value) ?? -1
            case "any": fits = true
            default: fits = false
            }
            guard fits else { continue }
            if rule.merge == "replicated" { return .replicated }
            return Int(rule.merge.split(separator: " ").last ?? "").map { .concatenate(axis: $0) }
        }
        return nil
    }

    /// Both documented tables as `MergeRules`: MEGALODON's for consolidate_config.json folders, Meta
    /// Llama's for params.json folders.
    public static func both() throws -> MergeRules {
        let megalodon = try load("megalodon-model-parallel.json"), llama = try load("meta-llama-consolidated.json")
        return { layout, name, rank in
            switch layout {
            case .consolidateConfig: return megalodon.rule(for: name, rank: rank)
            case .params: return llama.rule(for: name, rank: rank)
            }
        }
    }
}
