import Foundation

/// One task's settings as data (evals/<name>.json), mirroring the fields of lm-eval's task config
/// that decide prompts, requests and scoring.
public struct TaskDefinition: Codable, Equatable, Sendable {
    public enum OutputType: String, Codable, Sendable {
        case multipleChoice = "multiple_choice"
        case generateUntil = "generate_until"
        case loglikelihoodRolling = "loglikelihood_rolling"
    }

    /// How lm-eval's ContextSampler draws: `n` when no eval doc is passed (the few-shot split differs
    /// from the test split, e.g. ARC), `n+1` then dropping the eval doc otherwise (BoolQ, TriviaQA, SCROLLS).
    public enum FewShotDraw: String, Codable, Sendable {
        case exactlyN = "n"
        case nPlusOneWithoutEvalDoc = "n+1 without the eval doc"
    }

    public struct ExactMatchOptions: Codable, Equatable, Sendable {
        public var ignoreCase: Bool
        public var ignorePunctuation: Bool
        enum CodingKeys: String, CodingKey { case ignoreCase = "ignore_case", ignorePunctuation = "ignore_punctuation" }
    }

    public var name: String
    public var suite: String
    /// The upstream dataset config when a suite has several (SCROLLS: `quality`, `qasper`, ...).
    public var dataset: String?
    public var reference: String
    public var data: String
    public var split: String
    public var outputType: OutputType
    public var docToText: String?
    public var choices: [String]?
    public var targetDelimiter: String
    public var fewshotDelimiter: String
    public var fewshotDraw: FewShotDraw
    public var numFewshot: Int
    public var until: [String]?
    public var maxGenToks: Int?
    public var filters: [String]?
    public var metrics: [String]
    public var exactMatch: ExactMatchOptions?

    enum CodingKeys: String, CodingKey {
        case name, suite, dataset, reference, data, split, choices, until, filters, metrics
        case outputType = "output_type", docToText = "doc_to_text", targetDelimiter = "target_delimiter"
        case fewshotDelimiter = "fewshot_delimiter", fewshotDraw = "fewshot_draw", numFewshot = "num_fewshot"
        case maxGenToks = "max_gen_toks", exactMatch = "exact_match"
    }

    /// lm-eval's `DEFAULT_MAX_GEN_TOKS` when a task sets none.
    public static let defaultMaxGenerationTokens = 256

    public static func load(from url: URL) throws -> TaskDefinition {
        do {
            return try JSONDecoder().decode(TaskDefinition.self, from: Data(contentsOf: url))
        } catch {
            throw EvaluationDataError.unreadable(file: url.path, reason: String(describing: error))
        }
    }
}
