/// What one SCROLLS document asks of the model, per lm-eval's task classes.
public enum ScrollsRequests: Equatable, Sendable {
    /// QuALITY / ContractNLI: log-likelihood of " " + each option; acc, acc_norm, em = acc_norm × 100.
    case multipleChoice(requests: [LoglikelihoodRequest], choices: [String], gold: Int)
    /// Qasper yes/no: (" yes", " no") log-likelihoods; the prediction " yes" wins only if strictly more likely.
    case yesNo(requests: [LoglikelihoodRequest], references: [String])
    /// Everything else: greedy generation until "\n", scored by the SCROLLS metric against all references.
    case generation(GenerationRequest, references: [String])
}

/// A SCROLLS task (0-shot, as lm-eval can build it) over processed documents.
public struct ScrollsTask: Sendable {
    public let definition: TaskDefinition
    public let documents: [ScrollsDocument]
    private let builder: PromptBuilder

    public init(definition: TaskDefinition, rows: [ScrollsRow]) throws {
        guard let dataset = definition.dataset else { throw ScrollsError.unknownDataset(definition.name) }
        self.definition = definition
        self.documents = try ScrollsDocuments.mergingDuplicateInputs(rows).map { try ScrollsDocuments.process($0, dataset: dataset) }
        self.builder = try PromptBuilder(definition: definition)
    }

    public func requests(for document: ScrollsDocument, numFewshot: Int = 0) throws -> ScrollsRequests {
        guard numFewshot == 0 else { throw ScrollsError.fewShotNotSupported(task: definition.name) }
        let context = try builder.template.render(document.templateFields)
        if let choices = document.choices, let gold = document.gold {
            return .multipleChoice(
                requests: choices.map { LoglikelihoodRequest(context: context, continuation: " " + $0) },
                choices: choices, gold: gold)
        }
        if document.isYesNo {
            return .yesNo(
                requests: [" yes", " no"].map { LoglikelihoodRequest(context: context, continuation: $0) },
                references: document.outputs)
        }
        let request = GenerationRequest(
            context: context, until: definition.until ?? ["\n"],
            maxGenerationTokens: definition.maxGenToks ?? TaskDefinition.defaultMaxGenerationTokens)
        return .generation(request, references: document.outputs)
    }

    /// Qasper's prediction from its two log-likelihoods.
    public static func yesNoPrediction(logLikelihoodYes: Double, logLikelihoodNo: Double) -> String {
        logLikelihoodYes > logLikelihoodNo ? " yes" : " no"
    }

    /// Qasper's generated prediction: an answer that strips to nothing counts as "Unanswerable".
    public static func qasperPrediction(generation: String) -> String {
        PythonText.strip(generation).isEmpty ? "Unanswerable" : generation
    }
}
