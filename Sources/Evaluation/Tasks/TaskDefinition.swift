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
        /// The LLaMA-paper protocol's matching instead: SQuAD normalisation of both sides (lowercase,
        /// punctuation and articles removed, whitespace collapsed), any alias.
        public var squadNormalization: Bool? = nil
        enum CodingKeys: String, CodingKey {
            case ignoreCase = "ignore_case", ignorePunctuation = "ignore_punctuation", squadNormalization = "squad_normalization"
        }
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
    /// Text put before the few-shot examples, followed by `fewshotDelimiter` (lm-eval's `description`).
    public var description: String?
    /// Template of a few-shot example's answer when it is not lm-eval's (gold choice or first alias).
    public var docToFewshotAnswer: String?
    /// When set, each choice is scored as log P(choice | prompt) − log P(choice | this context)
    /// (LLaMA-1 §3's BoolQ calibration with "Answer:").
    public var calibrationContext: String?
    /// The metric a paper's table reports for this task (results.json's protocol card).
    public var paperMetric: String?
    /// One line describing the protocol (prompt, decoding, scoring, sources) for the protocol card.
    public var protocolNote: String?

    enum CodingKeys: String, CodingKey {
        case name, suite, dataset, reference, data, split, choices, until, filters, metrics
        case outputType = "output_type", docToText = "doc_to_text", targetDelimiter = "target_delimiter"
        case fewshotDelimiter = "fewshot_delimiter", fewshotDraw = "fewshot_draw", numFewshot = "num_fewshot"
        case maxGenToks = "max_gen_toks", exactMatch = "exact_match", description
        case docToFewshotAnswer = "doc_to_fewshot_answer", calibrationContext = "calibration_context"
        case paperMetric = "paper_metric", protocolNote = "protocol"
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
