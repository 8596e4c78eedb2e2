import Foundation
import Testing

@testable import Evaluation

/// `--protocol llama` (evals/llama): prompts and scoring checked by hand against the LLaMA-1 paper's
/// text (arXiv 2302.13971, §3 and Appendix A) as quoted in the evals spec §2.2–2.3.
struct LlamaProtocolTests {
    static let definitions = ScoringProtocol.llama.definitionsDirectory(in: RunnerFixtures.repositoryRoot.appendingPathComponent("evals"))

    static func definition(_ name: String) throws -> TaskDefinition {
        try TaskLoader(definitionsDirectory: definitions, dataDirectory: definitions).definition(named: name)
    }

    static func trivia(_ question: String, value: String, aliases: [String]) -> TriviaQADocument {
        TriviaQADocument(question: question, questionID: question, answer: .init(value: value, aliases: aliases))
    }

    @Test func triviaQAPromptIsThePapersOneShotExample() throws {
        // LLaMA-1 Appendix A, verbatim: the 1-shot prompt for "The ancient city of Troy ...".
        let paper =
            "Answer these questions:\nQ: In Scotland a bothy/bothie is a?\nA: House\nQ: The ancient city of Troy is located in what modern country?\nA:"
        let example = Self.trivia("In Scotland a bothy/bothie is a?", value: "House", aliases: ["Housing", "House", "Houses"])
        let document = Self.trivia(
            "The ancient city of Troy is located in what modern country?", value: "Turkey", aliases: ["Turkey", "Türkiye"])
        let builder = try PromptBuilder(definition: try Self.definition("triviaqa"))
        // The example's answer is its `value`, as the paper shows ("House"), not lm-eval's first alias.
        #expect(try builder.context(for: document, examples: [example]) == paper)
        #expect(
            try builder.context(for: document, examples: [])
                == "Answer these questions:\nQ: The ancient city of Troy is located in what modern country?\nA:")
    }

    @Test func triviaQADefaultsToFiveShotsFromThePool() throws {
        let definition = try Self.definition("triviaqa")
        #expect(definition.numFewshot == 5)
        #expect(definition.until == ["\n", ".", ","])
        let pool = (0..<8).map { Self.trivia("Question \($0)?", value: "Answer \($0)", aliases: ["a\($0)"]) }
        var task = try PromptedTask(definition: definition, documents: [pool[0]], pool: .separate(pool))
        guard case let .generation(request, references) = try task.nextRequests(forDocumentAt: 0) else {
            Issue.record("TriviaQA must be a generation task"); return
        }
        #expect(references == ["a0"])
        #expect(request.context.hasPrefix("Answer these questions:\nQ: Question "))
        #expect(request.context.hasSuffix("\nQ: Question 0?\nA:"))
        // Five "Q: …\nA: <value>\n" examples, none of them the eval question.
        let lines = request.context.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 1 + 5 * 2 + 2)
        #expect(!lines.dropLast(2).contains("Q: Question 0?"))
        for (question, answer) in zip(
            lines.dropFirst().dropLast(2).enumerated().filter { $0.offset % 2 == 0 },
            lines.dropFirst(2).enumerated().filter { $0.offset % 2 == 0 })
        {
            let number = question.element.dropFirst("Q: Question ".count).dropLast()
            #expect(answer.element == "A: Answer \(number)")
        }
    }

    @Test func triviaQAMatchesAfterSQuADNormalisation() throws {
        let options = try #require(try Self.definition("triviaqa").exactMatch)
        let stops = GenerationHandling.stopSequences(until: ["\n", ".", ","], eos: "<|endoftext|>")
        // Generation stops at the first line break, dot or comma (cut text), then normalisation.
        #expect(GenerationHandling.cut(" The Beatles, a band from Liverpool.\nQ:", at: stops) == " The Beatles")
        let cases: [(generation: String, aliases: [String], llama: Double, lmEval: Double)] = [
            (" The Beatles", ["Beatles"], 1, 0),  // articles removed on both sides
            (" beatles", ["The Beatles"], 1, 0),
            (" turkey", ["Turkey"], 1, 1),
            ("  Rock  and   roll ", ["rock and roll"], 1, 0),  // whitespace collapsed
            (" St Louis", ["St. Louis"], 1, 1),  // punctuation deleted
            (" an apple", ["apple pie"], 0, 0),
            (" Paris", ["London", "Lutetia"], 0, 0),
        ]
        let lmEval = TaskDefinition.ExactMatchOptions(ignoreCase: true, ignorePunctuation: true)
        for item in cases {
            #expect(ExactMatch.scoreGeneration(item.generation, references: item.aliases, options: options) == item.llama, "\(item)")
            #expect(ExactMatch.scoreGeneration(item.generation, references: item.aliases, options: lmEval) == item.lmEval, "\(item)")
        }
        #expect(TaskScoring(name: TaskScoring.exactMatch(options).name) == .exactMatch(options))
    }

    /// Fixed log-likelihoods per (context, continuation) through a character tokenizer.
    struct TableScorer: EvaluationScorer {
        var table: [String: Double]
        func loglikelihood(context: [Int], continuation: [Int]) throws -> (logProbability: Double, isGreedy: Bool) {
            let text = { (ids: [Int]) in String(decoding: ids.map { UInt8($0 - 3) }, as: UTF8.self) }
            let key = text(context.filter { $0 >= 3 }) + "|" + text(continuation)
            guard let value = table[key] else { throw ScorerError.emptyContext }
            return (value, false)
        }
        func generate(context: [Int], until: [String], maxNewTokens: Int) throws -> String { "" }
    }

    @Test func boolQScoresEachAnswerAgainstItsLikelihoodAfterAnswerColon() throws {
        let definition = try Self.definition("boolq")
        let document = BoolQDocument(idx: 0, passage: "The sky is blue.", question: "is the sky blue", label: 0)
        var task = try PromptedTask(definition: definition, documents: [document], pool: .evalSplit)
        let requests = try task.nextRequests(forDocumentAt: 0)
        let prompt = "The sky is blue.\nQuestion: is the sky blue?\nAnswer:"
        guard case let .calibratedChoice(conditional, calibration, choices, gold) = requests else {
            Issue.record("LLaMA BoolQ must be calibrated: \(requests)"); return
        }
        #expect(
            conditional == [
                LoglikelihoodRequest(context: prompt, continuation: " no"), LoglikelihoodRequest(context: prompt, continuation: " yes"),
            ])
        #expect(
            calibration == [
                LoglikelihoodRequest(context: "Answer:", continuation: " no"),
                LoglikelihoodRequest(context: "Answer:", continuation: " yes"),
            ])
        #expect(choices == ["no", "yes"] && gold == 0)
        // " yes" is likelier after the prompt (−1.0 > −1.5), but " yes" is far likelier after the bare
        // "Answer:" too: calibrated, no = −1.5 − (−4.0) = 2.5 beats yes = −1.0 − (−0.5) = −0.5.
        let scorer = TableScorer(table: [prompt + "| no": -1.5, prompt + "| yes": -1.0, "Answer:| no": -4.0, "Answer:| yes": -0.5])
        let item = EvaluationItem(
            task: "boolq", index: 0, documentID: "0",
            work: .calibratedChoice(requests: conditional, calibration: calibration, choices: choices, gold: gold))
        let result = try ItemScorer(tokenizer: ByteTokenizer(), scorer: scorer).score(
            item, scoring: .multipleChoice(reportsExactMatch: false), dataset: nil)
        #expect(result.prediction == "no")
        #expect(result.metrics == ["acc": 1])
        #expect(result.requests.map { $0.logLikelihood } == [-1.5, -1.0, -4.0, -0.5])
    }

    @Test func arcKeepsLMEvalPromptsAndReportsAccNorm() throws {
        for name in ["arc_easy", "arc_challenge"] {
            var llama = try Self.definition(name)
            let lmEval = try TaskLoader(
                definitionsDirectory: RunnerFixtures.repositoryRoot.appendingPathComponent("evals"),
                dataDirectory: Self.definitions
            ).definition(named: name)
            #expect(llama.paperMetric == "acc_norm")
            (llama.reference, llama.protocolNote, llama.paperMetric) = (lmEval.reference, nil, nil)
            #expect(llama == lmEval, "\(name): the LLaMA protocol scores ARC exactly as lm-eval")
        }
    }

    @Test func protocolCardNamesShotsAndPaperMetric() throws {
        let data = try RunnerFixtures.dataDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let loader = TaskLoader(definitionsDirectory: Self.definitions, dataDirectory: data)
        let tasks = try ["arc_easy", "boolq"].map { try loader.load($0, numFewshot: nil, limit: 2) }
        let card = ScoringProtocol.llama.card(for: tasks, numFewshot: nil)
        #expect(card["protocol"] == "llama")
        #expect(card["arc_easy"]?.hasSuffix("; 0-shot; reported metric: acc_norm") == true)
        #expect(card["boolq"]?.contains("log P(answer | prompt) − log P(answer | \"Answer:\")") == true)
        let manifest = Manifest(
            tool: "t", toolVersion: "0", gitCommit: "x", model: .init(path: "m", sha256: "h"), dataFiles: [:],
            settings: [:], protocolCard: card)
        let decoded = try JSONDecoder().decode(RunResults.self, from: try RunResults(manifest: manifest).encoded())
        #expect(decoded.manifest.protocolCard == card)
    }
}
