/// A task definition bound to its documents: builds each eval doc's requests in order, drawing
/// few-shot examples from `pool` with lm-eval's sampler (never the scored document itself).
public struct PromptedTask<Document: TaskDocument>: Sendable {
    public let definition: TaskDefinition
    public let documents: [Document]
    public let numFewshot: Int
    private let builder: PromptBuilder
    private var sampler: FewShotSampler<Document>

    /// `pool` is the few-shot source: a separate split (lm-eval: the train split), or `.evalSplit`
    /// when none exists.
    public init(
        definition: TaskDefinition, documents: [Document], pool: FewShotPool<Document>, numFewshot: Int? = nil,
        seed: Int = FewShotSampler<Document>.defaultSeed
    ) throws {
        self.definition = definition
        self.documents = documents
        self.numFewshot = numFewshot ?? definition.numFewshot
        self.builder = try PromptBuilder(definition: definition)
        self.sampler = FewShotSampler(documents: documents, pool: pool, draw: definition.fewshotDraw, seed: seed)
    }

    /// The requests of every document, in order (the sampler's state advances doc by doc).
    public mutating func allRequests(limit: Int? = nil) throws -> [DocumentRequests] {
        try documents.indices.prefix(limit ?? documents.count).map { try nextRequests(forDocumentAt: $0) }
    }

    /// Requests for the document at `index` of `documents`; call in evaluation order (the sampler's
    /// state advances doc by doc).
    public mutating func nextRequests(forDocumentAt index: Int) throws -> DocumentRequests {
        let examples = try sampler.sample(numFewshot, forDocumentAt: index)
        let document = documents[index]
        let context = try builder.context(for: document, examples: examples)
        switch definition.outputType {
        case .multipleChoice:
            guard let choices = document.choices(fixedChoices: definition.choices) else {
                throw TaskError.missingChoices(task: definition.name)
            }
            guard case .choiceIndex(let gold) = try document.target() else {
                throw TaskError.missingChoices(task: definition.name)
            }
            let requests = choices.map {
                LoglikelihoodRequest(context: context, continuation: definition.targetDelimiter + $0)
            }
            if let calibrationContext = definition.calibrationContext {
                let calibration = choices.map {
                    LoglikelihoodRequest(context: calibrationContext, continuation: definition.targetDelimiter + $0)
                }
                return .calibratedChoice(requests: requests, calibration: calibration, choices: choices, gold: gold)
            }
            return .multipleChoice(requests: requests, choices: choices, gold: gold)
        case .loglikelihoodRolling:
            throw TaskError.notAPromptedTask(task: definition.name)
        case .generateUntil:
            let request = GenerationRequest(
                context: context, until: definition.until ?? [definition.fewshotDelimiter],
                maxGenerationTokens: definition.maxGenToks ?? TaskDefinition.defaultMaxGenerationTokens)
            return .generation(request, references: try references(of: document))
        }
    }

    private func references(of document: Document) throws -> [String] {
        switch try document.target() {
        case .aliases(let aliases): return aliases
        case .text(let text): return [text]
        case .choiceIndex:
            return [try document.fewShotAnswer(fixedChoices: definition.choices)]
        }
    }
}
