import Checkpoints
import Foundation
import Testing
import TestSupport
@testable import Evaluation

/// The runner's items against the requests lm-eval 0.4.13 logged through its real CLI (`lm-eval run
/// --model dummy --log_samples`, oracle scripts/oracles/eval_lm_eval_requests.py) for the first 100
/// documents of each multiple-choice task, 0-shot and few-shot.
struct CLIRequestParityTests {
    static let dataRoot = SharedFiles.shared("data")

    @Test(arguments: ["arc_easy", "arc_challenge", "boolq"])
    func requestsMatchLMEvalCLI(task: String) throws {
        guard FileManager.default.fileExists(atPath: Self.dataRoot.appendingPathComponent("boolq").path) else { return }
        let fixture = try loadFixture("lm_eval_cli_requests.json")
        #expect(fixture["lm_eval_version"] as? String == "0.4.13")
        let settings = try #require((fixture["tasks"] as? [String: Any])?[task] as? [String: Any])
        let loader = TaskLoader(definitionsDirectory: RunnerFixtures.repositoryRoot.appendingPathComponent("evals"), dataDirectory: Self.dataRoot)
        var compared = 0
        for (shots, value) in settings {
            let records = try #require(value as? [[String: Any]])
            #expect(records.count >= 100)
            let loaded = try loader.load(task, numFewshot: Int(shots), limit: records.count)
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
                    #expect(SHA256.hex(Array(context.utf8)) == record["context_sha256"] as? String, "\(task) \(shots)-shot doc \(index)")
                    #expect(PythonText.length(context) == record["context_length"] as? Int)
                }
                compared += 1
            }
        }
        print("\(task): \(compared) documents identical to lm-eval's CLI requests over \(settings.keys.sorted()) shots")
    }
}
