import Foundation
import TestSupport
import Testing

@testable import Evaluation

/// SCROLLS documents and requests against lm-eval 0.4.13's own task classes on the shared data
/// (first 8 merged docs per task; contexts compared by length, first 300 and last 600 code points).
struct ScrollsParityTests {
    static let fixture: [String: Any] = (try? loadFixture("lm_eval_scrolls.json")) ?? [:]

    static let tasks = [
        ("quality", "scrolls_quality"), ("qasper", "scrolls_qasper"), ("qmsum", "scrolls_qmsum"),
        ("gov_report", "scrolls_govreport"), ("summ_screen_fd", "scrolls_summscreenfd"),
    ]

    @Test(arguments: tasks) func requestsMatchLmEval(dataset: String, definitionName: String) throws {
        let definition = try TaskDefinition.load(from: SharedFiles.packageRoot.appendingPathComponent("evals/\(definitionName).json"))
        let rows = try JSONLines.load(ScrollsRow.self, from: SharedFiles.shared("data/\(definition.data)"))
        let task = try ScrollsTask(definition: definition, rows: rows)
        let oracleTasks = try #require(Self.fixture["tasks"] as? [String: [String: Any]])
        let oracle = try #require(oracleTasks[dataset]?["docs"] as? [[String: Any]])
        #expect(oracle.count == 8)
        for (expected, document) in zip(oracle, task.documents) {
            #expect(document.id == (expected["id"] as? String))
            #expect(document.outputs == (expected["outputs"] as? [String]))
            if let choices = expected["choices"] as? [String] {
                #expect(document.choices == choices)
                #expect(document.gold == (expected["gold"] as? Int))
            }
            if let isYesNo = expected["is_yes_no"] as? Bool { #expect(document.isYesNo == isYesNo, "\(document.id)") }
            let expectedRequests = try #require(expected["requests"] as? [[String: Any]])
            let contexts: [String]
            switch try task.requests(for: document) {
            case .multipleChoice(let requests, _, _), .yesNo(let requests, _):
                #expect(expectedRequests.allSatisfy { $0["type"] as? String == "loglikelihood" })
                #expect(requests.map(\.continuation) == expectedRequests.compactMap { $0["continuation"] as? String })
                contexts = requests.map(\.context)
            case .generation(let request, let references):
                #expect(expectedRequests.count == 1 && expectedRequests[0]["type"] as? String == "generate_until")
                #expect(request.until == (expectedRequests[0]["until"] as? [String]))
                #expect(references == document.outputs)
                contexts = [request.context]
            }
            for (context, want) in zip(contexts, expectedRequests) {
                let scalars = Array(context.unicodeScalars)
                #expect(scalars.count == (want["context_length"] as? Int), "\(document.id)")
                #expect(PythonText.string(scalars.prefix(300)) == (want["context_prefix"] as? String), "\(document.id)")
                #expect(PythonText.string(scalars.suffix(600)) == (want["context_suffix"] as? String), "\(document.id)")
            }
        }
        #expect(task.documents.count == Set(rows.map(\.id)).count)
    }

    /// NarrativeQA and ContractNLI ship no data here: synthetic rows run through lm-eval's own methods.
    @Test(arguments: [("narrative_qa", "scrolls_narrativeqa"), ("contract_nli", "scrolls_contractnli")])
    func definitionsWithoutDataMatchLmEvalOnSyntheticRows(dataset: String, definitionName: String) throws {
        let definition = try TaskDefinition.load(from: SharedFiles.packageRoot.appendingPathComponent("evals/\(definitionName).json"))
        let oracleTasks = try #require(Self.fixture["tasks"] as? [String: [String: Any]])
        let synthetic = try #require(oracleTasks[dataset]?["synthetic"] as? [[String: Any]])
        #expect(synthetic.count == 2)
        for entry in synthetic {
            let row = try #require(entry["row"] as? [String: String])
            let task = try ScrollsTask(
                definition: definition,
                rows: [
                    ScrollsRow(id: row["id"] ?? "", pid: row["pid"] ?? "", input: row["input"] ?? "", output: row["output"] ?? "")
                ])
            let document = task.documents[0]
            #expect(document.question == (entry["question"] as? String))
            #expect(document.text == (entry["text"] as? String))
            #expect(document.choices == (entry["choices"] as? [String]))
            #expect(document.gold == (entry["gold"] as? Int))
            switch try task.requests(for: document) {
            case .multipleChoice(let requests, _, _):
                #expect(requests.allSatisfy { $0.context == (entry["context"] as? String) })
                #expect(requests.map(\.continuation) == ScrollsDocuments.contractNLIChoices.map { " " + $0 })
            case .generation(let request, _):
                #expect(request.context == (entry["context"] as? String))
            case .yesNo:
                Issue.record("unexpected yes/no request")
            }
        }
    }

    @Test func fewShotIsRefusedBecauseLmEvalCannotBuildIt() throws {
        let oracleTasks = try #require(Self.fixture["tasks"] as? [String: [String: Any]])
        for (dataset, _) in Self.tasks {
            #expect((oracleTasks[dataset]?["fewshot_status"] as? String)?.hasPrefix("TypeError") == true)
        }
        let definition = try TaskDefinition.load(from: SharedFiles.packageRoot.appendingPathComponent("evals/scrolls_qasper.json"))
        let task = try ScrollsTask(definition: definition, rows: [ScrollsRow(id: "a", pid: "a", input: "q\n\nt", output: "Yes")])
        #expect(throws: ScrollsError.fewShotNotSupported(task: "scrolls_qasper")) {
            try task.requests(for: task.documents[0], numFewshot: 1)
        }
        #expect(task.documents[0].isYesNo)
    }

    @Test func qualityOptionSplitFollowsThePythonRegex() {
        let pieces = ScrollsDocuments.splitOnOptionLetters(Array(" (A) one  (B)two\n (C) three (X) (D) four ".unicodeScalars))
        #expect(pieces.map { PythonText.string($0) } == ["", "one", "two\n", "three (X)", "four "])
        #expect(ScrollsTask.qasperPrediction(generation: " \n ") == "Unanswerable")
        #expect(ScrollsTask.yesNoPrediction(logLikelihoodYes: -1, logLikelihoodNo: -1) == " no")
    }
}
