import Checkpoints
import Foundation
import TestSupport
import Testing

@testable import Evaluation

/// The runner's items against the requests lm-eval 0.4.13 logged through its real CLI (`lm-eval run
/// --model dummy --log_samples`, oracle scripts/oracles/eval_lm_eval_requests.py) for the first 100
/// documents of each multiple-choice task, 0-shot and few-shot.
struct CLIRequestParityTests {
    static let dataRoot = SharedFiles.shared("data")
    static let data = Prerequisite.all(["arc_easy", "arc_challenge", "boolq"].map { Prerequisite.sharedData("data/\($0)") })

    /// The oracle handed lm-eval each eval file as its train split too, so lm-eval drew examples from
    /// a separate split holding the same rows. The runner does the same when a train.jsonl sits
    /// beside the data: here a link to the eval file itself.
    @Test(.requires(data), arguments: ["arc_easy", "arc_challenge", "boolq"])
    func requestsMatchLMEvalCLIWithASeparateTrainSplit(task: String) throws {
        let folder = try SharedFiles.temporaryDirectory("cli-parity")
        defer { try? FileManager.default.removeItem(at: folder) }
        let loader = TaskLoader(
            definitionsDirectory: RunnerFixtures.repositoryRoot.appendingPathComponent("evals"), dataDirectory: Self.dataRoot)
        let evalFile = Self.dataRoot.appendingPathComponent(try loader.definition(named: task).data)
        let taskFolder = folder.appendingPathComponent(evalFile.deletingLastPathComponent().lastPathComponent)
        try FileManager.default.createDirectory(at: taskFolder, withIntermediateDirectories: true)
        for name in [evalFile.lastPathComponent, "train.jsonl"] {
            try FileManager.default.createSymbolicLink(at: taskFolder.appendingPathComponent(name), withDestinationURL: evalFile)
        }
        let compared = try Self.compare(task: task, fixtureKey: task, dataDirectory: folder, expectedPool: "train.jsonl")
        print("\(task): \(compared) documents identical to lm-eval's CLI requests (train split = a copy of the eval split)")
    }

    /// Without a train.jsonl the runner draws from the eval split and never shows a document its own
    /// question: lm-eval's rule when `fewshot_split` is the test split, which the oracle set for these
    /// entries. ARC-Easy document 6 is one whose plain 25-shot prompt holds its own question.
    @Test(.requires(data), arguments: ["arc_easy", "arc_challenge"])
    func evalSplitPoolMatchesLMEvalWithFewshotSplitTest(task: String) throws {
        let compared = try Self.compare(
            task: task, fixtureKey: "\(task)_fewshot_split_test", dataDirectory: Self.dataRoot,
            expectedPool: "the eval split (no train.jsonl beside it)")
        print("\(task): \(compared) documents identical to lm-eval's CLI requests with fewshot_split = test")
    }

    /// Compares every document the fixture holds under `fixtureKey`; returns how many.
    static func compare(task: String, fixtureKey: String, dataDirectory: URL, expectedPool: String) throws -> Int {
        let fixture = try loadFixture("lm_eval_cli_requests.json")
        #expect(fixture["lm_eval_version"] as? String == "0.4.13")
        let settings = try #require((fixture["tasks"] as? [String: Any])?[fixtureKey] as? [String: Any], "no \(fixtureKey) in the fixture")
        let loader = TaskLoader(
            definitionsDirectory: RunnerFixtures.repositoryRoot.appendingPathComponent("evals"), dataDirectory: dataDirectory)
        var compared = 0
        for (shots, value) in settings {
            let records = try #require(value as? [[String: Any]])
            #expect(records.count >= 100)
            let loaded = try loader.load(task, numFewshot: Int(shots), limit: records.count)
            #expect(loaded.fewShotPool == expectedPool)
            for record in records {
                let index = try #require(record["doc_id"] as? Int)
                guard case let .multipleChoice(requests, _, _) = loaded.items[index].work else {
                    Issue.record("\(task) doc \(index) is not multiple choice"); continue
                }
                #expect(requests.map(\.continuation) == record["continuations"] as? [String], "\(task) \(shots)-shot doc \(index)")
                let context = requests[0].context
                #expect(requests.allSatisfy { $0.context == context })
                if let expected = record["context"] as? String {
                    #expect(context == expected, "\(task) \(shots)-shot doc \(index)")
                } else {
                    #expect(
                        SHA256.hex(Array(context.utf8)) == record["context_sha256"] as? String, "\(fixtureKey) \(shots)-shot doc \(index)")
                    #expect(PythonText.length(context) == record["context_length"] as? Int)
                }
                compared += 1
            }
        }
        #expect(compared > 0)
        return compared
    }
}
