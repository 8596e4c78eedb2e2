import Checkpoints
import Foundation
import TestSupport
import Testing

@testable import Evaluation

/// The lm-eval files of a real run (SmolLM2 on the demo items), checked by
/// scripts/oracles/eval_lm_eval_output.py with lm-eval 0.4.13's reader code and against the files
/// lm-eval's own CLI writes for the same documents, are regenerated here from that run's own
/// results.json and samples.jsonl and must come out byte for byte.
@Suite struct LMEvalOutputTests {
    static let fixtures = SharedFiles.tests("EvaluationTests/Fixtures/lm-eval-output")

    @Test func oracleAcceptedTheCommittedFiles() throws {
        let verdict = try JSONParser.parse(String(contentsOf: Self.fixtures.appendingPathComponent("check.json"), encoding: .utf8))
        let checks = verdict.objectValue?["checks"]?.arrayValue ?? []
        #expect(checks.count >= 20)
        for check in checks {
            let fields = check.objectValue
            #expect(fields?["passed"] == .bool(true), "\(fields?["check"]?.stringValue ?? "?"): \(fields?["detail"]?.stringValue ?? "")")
        }
        #expect(verdict.objectValue?["lm_eval_version"] == .string("0.4.13"))
    }

    /// Same files, up to the run's clock: the timestamp in the names, "date" and the evaluation time.
    @Test func writerReproducesTheCheckedFiles() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path)
        let resultsName = try #require(names.first { $0.hasPrefix("results_") })
        let expected = try JSONParser.parse(String(contentsOf: Self.fixtures.appendingPathComponent(resultsName), encoding: .utf8))
        let dateLexeme = try #require(expected.objectValue?["date"]?.numberValue?.lexeme)
        let started = Date(timeIntervalSince1970: try #require(Double(dateLexeme)))
        let results = try RunResults.load(from: Self.fixtures.appendingPathComponent("results.json"))
        let samples = try RunOutput.readSamples(in: Self.fixtures)
        let loader = TaskLoader(
            definitionsDirectory: SharedFiles.packageRoot.appendingPathComponent("evals"),
            dataDirectory: SharedFiles.packageRoot.appendingPathComponent("evals/demo"))
        let tasks = try ["arc_easy", "boolq"].map { try loader.load($0, numFewshot: nil, limit: nil) }
        let folder = try SharedFiles.temporaryDirectory("lmeval-output")
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = try LMEvalOutput.write(
            results, samples: samples, tasks: tasks, numFewshot: nil, to: folder,
            started: started, finished: started.addingTimeInterval(1))
        #expect(written.samples.count == 2)
        for (task, url) in zip(["arc_easy", "boolq"], written.samples) {
            let committed = try #require(names.first { $0.hasPrefix("samples_\(task)_") })
            #expect(try Data(contentsOf: url) == Data(contentsOf: Self.fixtures.appendingPathComponent(committed)), "\(committed) differs")
        }
        func withoutClock(_ value: JSONValue) -> String {
            var object = JSONObject()
            for member in value.objectValue?.members ?? [] where !["date", "total_evaluation_time_seconds"].contains(member.key) {
                object.append(key: member.key, value: member.value)
            }
            return JSONValue.object(object).serialized(.pythonIndented(2))
        }
        let regenerated = try JSONParser.parse(String(contentsOf: written.results, encoding: .utf8))
        #expect(withoutClock(regenerated) == withoutClock(expected))
        #expect(regenerated.objectValue?["date"] == expected.objectValue?["date"])
    }

    @Test func pythonStringsOfTargetsAndScores() {
        #expect(PythonLiteral.list(["Paris", "it's", "a\"b", "x\ny"]) == #"['Paris', "it's", 'a"b', 'x\ny']"#)
        #expect(PythonLiteral.float(-12.5) == "-12.5")
        #expect(PythonLiteral.float(1.0) == "1.0")
        #expect(PythonLiteral.float(1e-05) == "1e-05")
        #expect(PythonLiteral.bool(false) == "False")
    }
}
