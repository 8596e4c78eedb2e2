import Checkpoints
import Foundation

/// What lm-eval's results file says about a task besides its metrics: the task config it ran
/// (`configs`), version, shots, filter name and how many documents the split has.
public struct LMEvalTaskInfo: Equatable, Sendable {
    public var config: JSONValue
    public var version: JSONValue
    public var numFewshot: Int
    /// lm-eval's filter name: "none" for log-likelihood tasks, the filter list's name for generations.
    public var filter: String
    /// Documents in the split (`n-samples.original`).
    public var originalCount: Int
    /// The metrics the task config lists (`metric_list`); we compute some more (acc_norm for every
    /// multiple-choice task), which lm-eval's files leave out.
    public var metrics: [String]

    /// `names` restricted to the task's metrics (all of them when none is listed).
    func reported(_ names: [String]) -> [String] {
        let listed = names.filter(metrics.contains)
        return listed.isEmpty ? names : listed
    }

    /// The upstream dataset (HF path, config name) of each suite, as lm-eval 0.4.13's task files name them.
    static func dataset(for definition: TaskDefinition) -> (path: String, name: String?) {
        switch definition.suite {
        case "arc": return ("allenai/ai2_arc", definition.name == "arc_challenge" ? "ARC-Challenge" : "ARC-Easy")
        case "boolq": return ("aps/super_glue", "boolq")
        case "triviaqa": return ("mandarjoshi/trivia_qa", "rc.nocontext")
        case "scrolls": return ("tau/scrolls", definition.dataset)
        default: return (definition.suite, nil)
        }
    }

    /// The "(version X)" our definitions quote from the upstream task file, as a number.
    static func version(of definition: TaskDefinition) -> JSONValue {
        guard let range = definition.reference.range(of: "(version ") else { return .null }
        let digits = definition.reference[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        return digits.isEmpty ? .null : .number(JSONNumber(lexeme: String(digits)))
    }

    public init(task: LoadedTask, numFewshot: Int, originalCount: Int) {
        let definition = task.definition
        let dataset = Self.dataset(for: definition)
        var config = JSONObject()
        func add(_ key: String, _ value: JSONValue) { config.append(key: key, value: value) }
        add("task", .string(definition.name))
        add("dataset_path", .string(dataset.path))
        if let name = dataset.name { add("dataset_name", .string(name)) }
        add(definition.split == "test" ? "test_split" : "validation_split", .string(definition.split))
        if let text = definition.docToText { add("doc_to_text", .string(text)) }
        if let choices = definition.choices { add("doc_to_choice", .array(choices.map(JSONValue.string))) }
        if let description = definition.description { add("description", .string(description)) }
        add("target_delimiter", .string(definition.targetDelimiter))
        add("fewshot_delimiter", .string(definition.fewshotDelimiter))
        add("num_fewshot", .number(JSONNumber(lexeme: String(numFewshot))))
        add(
            "metric_list",
            .array(
                definition.metrics.map { metric in
                    var entry = JSONObject()
                    entry.append(key: "metric", value: .string(metric))
                    entry.append(key: "aggregation", value: .string("mean"))
                    entry.append(key: "higher_is_better", value: .bool(true))
                    return .object(entry)
                }))
        add("output_type", .string(definition.outputType.rawValue))
        if definition.outputType == .generateUntil {
            var kwargs = JSONObject()
            kwargs.append(key: "until", value: .array((definition.until ?? []).map(JSONValue.string)))
            kwargs.append(key: "do_sample", value: .bool(false))
            kwargs.append(key: "temperature", value: .number(JSONNumber(lexeme: "0.0")))
            kwargs.append(
                key: "max_gen_toks",
                value: .number(JSONNumber(lexeme: String(definition.maxGenToks ?? TaskDefinition.defaultMaxGenerationTokens))))
            add("generation_kwargs", .object(kwargs))
        }
        add("repeats", .number(JSONNumber(lexeme: "1")))
        var metadata = JSONObject()
        metadata.append(key: "version", value: Self.version(of: definition))
        metadata.append(key: "source", value: .string("megalodon-eval; \(definition.reference)"))
        add("metadata", .object(metadata))
        self.config = .object(config)
        self.version = Self.version(of: definition)
        self.numFewshot = numFewshot
        self.filter = definition.outputType == .generateUntil ? (definition.filters?.first ?? "none") : "none"
        self.originalCount = originalCount
        self.metrics = definition.metrics
    }

    /// From a task's entry in a results file we wrote (its config's metric_list).
    public init(config: JSONValue, version: JSONValue, numFewshot: Int, filter: String, originalCount: Int) {
        self.config = config
        self.version = version
        self.numFewshot = numFewshot
        self.filter = filter
        self.originalCount = originalCount
        self.metrics = (config.objectValue?["metric_list"]?.arrayValue ?? []).compactMap { $0.objectValue?["metric"]?.stringValue }
    }
}
