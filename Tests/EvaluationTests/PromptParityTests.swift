import Foundation
import TestSupport
import Testing

@testable import Evaluation

/// Our contexts, continuations, stop strings and targets against what lm-eval 0.4.13 built for the
/// first 20 docs (scripts/oracles/eval_reference.py; pool = the eval file itself, seed 1234).
struct PromptParityTests {
    static let fixture: [String: Any] = (try? loadFixture("lm_eval_prompts.json")) ?? [:]

    static func definition(_ name: String) throws -> TaskDefinition {
        try TaskDefinition.load(from: SharedFiles.packageRoot.appendingPathComponent("evals/\(name).json"))
    }

    static func oracleDocs(_ task: String, _ shots: Int) throws -> [[String: Any]] {
        let tasks = try #require(fixture["tasks"] as? [String: Any])
        let byShots = try #require(tasks[task] as? [String: Any])
        return try #require(byShots[String(shots)] as? [[String: Any]])
    }

    func check<Document: TaskDocument & Decodable>(_ type: Document.Type, task: String, shots: Int) throws {
        let definition = try Self.definition(task)
        let documents = try JSONLines.load(Document.self, from: SharedFiles.shared("data/\(definition.data)"))
        // The oracle handed lm-eval the eval file as a separate train split too, so ours draws from a
        // separate pool holding the same rows (FewShotSamplingTests covers the runner's eval-split pool).
        var prompted = try PromptedTask(definition: definition, documents: documents, pool: .separate(documents), numFewshot: shots)
        let oracle = try Self.oracleDocs(task, shots)
        let ours = try prompted.allRequests(limit: oracle.count)
        #expect(ours.count == 20)
        for (index, (expected, got)) in zip(oracle, ours).enumerated() {
            let context = try #require(expected["context"] as? String)
            switch got {
            case .multipleChoice(let requests, _, let gold):
                #expect(requests.map(\.context) == Array(repeating: context, count: requests.count), "\(task) \(shots)-shot doc \(index)")
                #expect(requests.map(\.continuation) == (expected["continuations"] as? [String]), "\(task) doc \(index)")
                #expect(gold == (expected["target"] as? Int), "\(task) doc \(index)")
            case .generation(let request, let references):
                #expect(request.context == context, "\(task) \(shots)-shot doc \(index)")
                #expect(request.until == (expected["until"] as? [String]))
                #expect(request.maxGenerationTokens == 256)
                #expect(references == (expected["target"] as? [String]))
            case .calibratedChoice:
                Issue.record("\(task): lm-eval tasks are never calibrated")
            }
        }
    }

    @Test(arguments: [0, 25]) func arcEasy(shots: Int) throws { try check(ARCDocument.self, task: "arc_easy", shots: shots) }
    @Test(arguments: [0, 25]) func arcChallenge(shots: Int) throws { try check(ARCDocument.self, task: "arc_challenge", shots: shots) }
    @Test(arguments: [0, 2]) func boolq(shots: Int) throws { try check(BoolQDocument.self, task: "boolq", shots: shots) }
    @Test(arguments: [0, 1, 5]) func triviaqa(shots: Int) throws { try check(TriviaQADocument.self, task: "triviaqa", shots: shots) }

    @Test func numericAnswerKeysIndexTheLabels() throws {
        let document = ARCDocument(id: "x", question: "q", choices: .init(text: ["a", "b", "c"], label: ["1", "2", "3"]), answerKey: "3")
        #expect(try document.target() == .choiceIndex(2))
        let broken = ARCDocument(id: "y", question: "q", choices: .init(text: ["a"], label: ["A"]), answerKey: "E")
        #expect(throws: TaskError.answerKeyNotAmongLabels(id: "y", answerKey: "E")) { try broken.target() }
    }

    @Test func badDataLineIsATypedError() throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.jsonl")
        try Data("{\"idx\":0,\"passage\":\"p\",\"question\":\"q\",\"label\":1}\n{\"idx\":1}\n".utf8).write(to: file)
        #expect {
            _ = try JSONLines.load(BoolQDocument.self, from: file)
        } throws: { error in
            if case EvaluationDataError.badLine(_, let line, _) = error { return line == 2 }
            return false
        }
    }
}
