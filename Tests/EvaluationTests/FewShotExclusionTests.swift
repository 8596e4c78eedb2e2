import Foundation
import TestSupport
import Testing

@testable import Evaluation

/// Few-shot examples never include the scored document (issue: ARC 25-shot with the test split as
/// pool put ARC-Easy document 6's own question and answer into its prompt).
struct FewShotExclusionTests {
    static func arc(_ i: Int) -> ARCDocument {
        ARCDocument(
            id: "q\(i)", question: "Question number \(i)?", choices: .init(text: ["yes", "no"], label: ["A", "B"]), answerKey: "A")
    }

    /// With three documents and two shots, the only examples that exclude the scored document are the
    /// other two, whatever the random draw: worked out by hand, for both draw rules.
    @Test(arguments: [TaskDefinition.FewShotDraw.exactlyN, .nPlusOneWithoutEvalDoc])
    func anEvalSplitPoolLeavesOnlyTheOtherDocuments(_ draw: TaskDefinition.FewShotDraw) throws {
        let documents = (0..<3).map(Self.arc)
        var sampler = FewShotSampler(documents: documents, pool: .evalSplit, draw: draw)
        for round in 0..<20 {
            for index in documents.indices {
                let examples = try sampler.sample(2, forDocumentAt: index)
                #expect(
                    Set(examples.map(\.id)) == Set(documents.indices.filter { $0 != index }.map { "q\($0)" }), "round \(round) doc \(index)"
                )
            }
        }
    }

    /// A row equal to the scored document elsewhere in the split is the same question: left out too.
    @Test func duplicatesOfTheScoredDocumentAreLeftOutToo() throws {
        let documents = [Self.arc(0), Self.arc(1), Self.arc(0), Self.arc(2)]
        var sampler = FewShotSampler(documents: documents, pool: .evalSplit, draw: .exactlyN)
        for _ in 0..<20 {
            #expect(Set(try sampler.sample(2, forDocumentAt: 0).map(\.id)) == ["q1", "q2"])
            #expect(Set(try sampler.sample(2, forDocumentAt: 2).map(\.id)) == ["q1", "q2"])
        }
        #expect(throws: FewShotSampler<ARCDocument>.SamplingError.poolTooSmall(requested: 3, available: 2)) {
            try sampler.sample(3, forDocumentAt: 0)
        }
        #expect(throws: FewShotSampler<ARCDocument>.SamplingError.documentIndexOutOfRange(index: 4, count: 4)) {
            try sampler.sample(1, forDocumentAt: 4)
        }
    }

    /// A separate split (a real train.jsonl) is drawn from exactly as lm-eval draws: n for ARC.
    @Test func aSeparatePoolIsDrawnAsLMEvalDraws() throws {
        let pool = (10..<40).map(Self.arc)
        var ours = FewShotSampler(documents: [Self.arc(0)], pool: .separate(pool), draw: .exactlyN)
        var python = PythonRandom(seed: 1234)
        #expect(try ours.sample(5, forDocumentAt: 0).map(\.id) == python.sample(pool, count: 5).map(\.id))
    }

    /// The 25-shot ARC-Easy prompts of the runner (no train.jsonl: the test split is the pool) over
    /// the first 200 documents: each question appears once, as the question asked. Document 6 is the
    /// one whose prompt held its own question and answer before.
    @Test(.requires(.sharedData("data/arc_easy/test.jsonl")))
    func arcEasy25ShotPromptsNeverHoldTheirOwnQuestion() throws {
        let loader = TaskLoader(
            definitionsDirectory: RunnerFixtures.repositoryRoot.appendingPathComponent("evals"), dataDirectory: SharedFiles.shared("data"))
        let task = try loader.load("arc_easy", numFewshot: 25, limit: 200)
        let documents = try JSONLines.load(ARCDocument.self, from: SharedFiles.shared("data/arc_easy/test.jsonl"))
        #expect(task.fewShotPool == "the eval split (no train.jsonl beside it)")
        // A few questions are asked twice in the split by different documents (other choices, other
        // ids); another document's copy may be drawn, so those are not counted.
        let askedTwice = Set(Dictionary(grouping: documents, by: \.question).filter { $0.value.count > 1 }.keys)
        var checked = 0
        for (item, document) in zip(task.items, documents) {
            guard case let .multipleChoice(requests, _, _) = item.work else {
                Issue.record("doc \(item.index) is not multiple choice"); continue
            }
            let context = requests[0].context
            let asked = "Question: \(document.question)\nAnswer:"
            #expect(context.hasSuffix(asked), "doc \(item.index)")
            if askedTwice.contains(document.question) { continue }
            #expect(context.components(separatedBy: asked).count == 2, "doc \(item.index): its own question is among its examples")
            checked += 1
            // 25 examples, then the question: 26 "Question: " blocks.
            #expect(context.components(separatedBy: "\n\nQuestion: ").count == 26, "doc \(item.index)")
        }
        #expect(!askedTwice.contains(documents[6].question) && checked >= 190)
        // What lm-eval 0.4.13 builds when the same rows are handed to it as a separate train split
        // (its plain n-draw for ARC): document 6 is shown its own question and answer.
        let definition = try TaskDefinition.load(from: RunnerFixtures.repositoryRoot.appendingPathComponent("evals/arc_easy.json"))
        var lmEvalStyle = try PromptedTask(definition: definition, documents: documents, pool: .separate(documents), numFewshot: 25)
        let leaked = try lmEvalStyle.allRequests(limit: 7)[6]
        guard case let .multipleChoice(requests, _, _) = leaked else { Issue.record("doc 6 is not multiple choice"); return }
        #expect(requests[0].context.components(separatedBy: "Question: \(documents[6].question)\nAnswer:").count == 3)
        print("arc_easy 25-shot: \(checked) of \(task.items.count) prompts checked (doc 6 among them), none holds its own question")
    }
}
