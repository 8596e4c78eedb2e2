import Checkpoints
import Foundation
import TestSupport
import Testing

@testable import Evaluation

/// What a run killed at the end leaves, and what the next run does with it.
struct RunOutputCrashTests {
    static let sample = ItemResult(
        task: "arc_easy", docIndex: 0, docID: "q0", requests: [], prediction: "a", target: "a",
        references: nil, metrics: ["acc": 1])

    /// results.json is committed after samples.jsonl, so a samples.jsonl alone is an interrupted
    /// commit: the next run replaces it without --force. With results.json there, the run finished
    /// and nothing is replaced without --force.
    @Test func aSamplesFileWithoutResultsIsReplacedAFinishedRunIsNot() throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let samples = folder.appendingPathComponent(RunOutput.samplesName)
        try Data("left by a killed run\n".utf8).write(to: samples)
        let results = RunResults(manifest: RunnerTests.manifest(), tasks: [:])
        try RunOutput.write(results, samples: [Self.sample], to: folder, overwrite: false)
        #expect(try RunOutput.readSamples(in: folder) == [Self.sample])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == [RunOutput.resultsName, RunOutput.samplesName])
        #expect(throws: AtomicOutputError.outputExists(path: samples.path)) {
            try RunOutput.write(results, samples: [Self.sample, Self.sample], to: folder, overwrite: false)
        }
        #expect(try RunOutput.readSamples(in: folder) == [Self.sample])
    }

    @Test func theResumeCacheGoesOnceResultsAreWritten() throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = try ResumeCache(directory: folder, key: "0123456789abcdef0123")
        try cache.record(Self.sample)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [".resume-0123456789abcdef.jsonl"])
        try cache.remove()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}
