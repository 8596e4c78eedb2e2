import Checkpoints
import Foundation
import Models
import TestSupport
import Testing

@testable import Evaluation

/// The runner end to end on a random-weight model: resume, shards and bad data.
struct RunnerTests {
    static func manifest(shard: Shard? = nil) -> Manifest {
        Manifest(
            tool: "test", toolVersion: "0", gitCommit: "unknown", model: .init(path: "random", sha256: "0"),
            dataFiles: [:], settings: ["num_fewshot": "1"], shard: shard?.description)
    }

    static func tasks(_ data: URL) throws -> [LoadedTask] {
        let loader = RunnerFixtures.loader(data: data)
        return [try loader.load("arc_easy", numFewshot: 1, limit: nil), try loader.load("boolq", numFewshot: 1, limit: nil)]
    }

    static func runner() throws -> EvaluationRunner {
        let scorer = try LanguageModelScorer(model: try RunnerFixtures.model(), decoder: ByteTokenizer(), maxLength: nil)
        return EvaluationRunner(itemScorer: ItemScorer(tokenizer: ByteTokenizer(), scorer: scorer))
    }

    @Test func multipleChoiceItemsMatchLMEvalScoring() throws {
        let data = try RunnerFixtures.dataDirectory()
        let output = try Self.runner().run(try Self.tasks(data))
        #expect(output.samples.count == 12)
        let arc = try #require(output.tasks["arc_easy"])
        #expect(arc.items == 7 && arc.metrics.keys.sorted() == ["acc", "acc_norm"])
        let model = try RunnerFixtures.model()
        for sample in output.samples {
            for request in sample.requests {
                let pair = try EncodedPair.encode(
                    LoglikelihoodRequest(context: request.context, continuation: request.continuation ?? ""), with: ByteTokenizer())
                let reference = try RunnerFixtures.referenceLogLikelihood(
                    model: model, sequence: pair.context + pair.continuation, scoredFrom: pair.context.count)
                #expect(abs((request.logLikelihood ?? .nan) - reference) <= 1e-4)
            }
            let lls = sample.requests.map { $0.logLikelihood ?? .nan }
            let choices = sample.requests.map { String(($0.continuation ?? "").dropFirst()) }
            let gold = try #require(choices.firstIndex(of: sample.target ?? ""))
            let outcome = MultipleChoiceScoring.score(logLikelihoods: lls, choices: choices, gold: gold)
            #expect(sample.metrics == ["acc": outcome.acc, "acc_norm": outcome.accNorm])
        }
        let accs = output.samples.filter { $0.task == "arc_easy" }.map { $0.metrics["acc"] ?? .nan }
        #expect(arc.metrics["acc"]?.value == Aggregation.mean(accs))
        #expect(arc.metrics["acc"]?.stderr == Aggregation.meanStandardError(accs))
    }

    @Test func resumedRunGivesIdenticalResults() throws {
        let data = try RunnerFixtures.dataDirectory()
        let tasks = try Self.tasks(data)
        let whole = try Self.runner().run(tasks)
        let reference = try RunResults(manifest: Self.manifest(), tasks: whole.tasks).encoded()

        let folder = data.appendingPathComponent("out")
        let inner = try LanguageModelScorer(model: try RunnerFixtures.model(), decoder: ByteTokenizer(), maxLength: nil)
        let failing = FailingScorer(inner: inner, failAfter: 5)
        #expect(throws: FailingScorer.Interrupted.self) {
            _ = try EvaluationRunner(itemScorer: ItemScorer(tokenizer: ByteTokenizer(), scorer: failing))
                .run(tasks, cache: try ResumeCache(directory: folder, key: "k"))
        }
        // A torn last line, as a kill mid-write leaves.
        let cacheURL = folder.appendingPathComponent(ResumeCache.fileName(key: "k"))
        let handle = try FileHandle(forWritingTo: cacheURL)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"task":"boolq","doc_in"#.utf8))
        try handle.close()

        let counting = FailingScorer(inner: inner, failAfter: .max)
        let cache = try ResumeCache(directory: folder, key: "k")
        #expect(cache.finished.count == 5)
        let resumed = try EvaluationRunner(itemScorer: ItemScorer(tokenizer: ByteTokenizer(), scorer: counting)).run(tasks, cache: cache)
        #expect(counting.calls == 12 - 5)
        #expect(try RunResults(manifest: Self.manifest(), tasks: resumed.tasks).encoded() == reference)
        #expect(resumed.samples == whole.samples)
        // A different key (other settings) reuses nothing.
        #expect(try ResumeCache(directory: folder, key: "other").finished.isEmpty)
    }

    @Test func shardsMergeIntoTheUnshardedRun() throws {
        let data = try RunnerFixtures.dataDirectory()
        let tasks = try Self.tasks(data)
        let whole = try Self.runner().run(tasks)
        let wholeFolder = data.appendingPathComponent("whole")
        try RunOutput.write(
            RunResults(manifest: Self.manifest(), tasks: whole.tasks), samples: whole.samples, to: wholeFolder, overwrite: false)
        var folders: [URL] = []
        for index in [2, 0, 1] {
            let shard = try Shard(index: index, count: 3)
            let part = try Self.runner().run(tasks, shard: shard)
            let folder = data.appendingPathComponent("shard\(index)")
            try RunOutput.write(
                RunResults(manifest: Self.manifest(shard: shard), tasks: part.tasks), samples: part.samples, to: folder, overwrite: false)
            folders.append(folder)
        }
        let merged = try ShardMerge.merge(folders)
        let mergedFolder = data.appendingPathComponent("merged")
        try RunOutput.write(merged.results, samples: merged.samples, to: mergedFolder, overwrite: false)
        for name in [RunOutput.resultsName, RunOutput.samplesName] {
            #expect(
                try Data(contentsOf: mergedFolder.appendingPathComponent(name))
                    == Data(contentsOf: wholeFolder.appendingPathComponent(name)))
        }
        #expect(throws: ShardMergeError.self) { try ShardMerge.merge(Array(folders.prefix(2))) }
        #expect(throws: AtomicOutputError.self) {
            try RunOutput.write(merged.results, samples: merged.samples, to: mergedFolder, overwrite: false)
        }
    }

    @Test func badDataNamesFileLineAndField() throws {
        let good = #"{"id": "ok", "question": "q?", "choices": {"text": ["x", "y"], "label": ["A", "B"]}, "answerKey": "B"}"#
        let cases: [(line: String, field: String?)] = [
            (#"{"id": "a", "question": "q?", "choices": {"text": ["x", "y"], "label": ["A", "B"]}"#, nil),
            (#"{"id": "b", "question": "q?", "choices": {"text": ["x", "y"]}, "answerKey": "A"}"#, "choices.label"),
            (#"{"id": "c", "question": "q?", "choices": {"text": ["x", "y"], "label": ["A", "B"]}, "answerKey": "E"}"#, "answerKey"),
            (#"{"id": "d", "question": 7, "choices": {"text": ["x", "y"], "label": ["A", "B"]}, "answerKey": "A"}"#, "question"),
        ]
        for bad in cases {
            let data = try RunnerFixtures.dataDirectory(arcLines: [good, good, bad.line, good])
            let file = data.appendingPathComponent("arc_easy/test.jsonl").path
            do {
                _ = try RunnerFixtures.loader(data: data).load("arc_easy", numFewshot: 0, limit: nil)
                Issue.record("no error for \(bad.line)")
            } catch let error as BadDataLine {
                #expect(error.file == file && error.line == 3 && error.field == bad.field, "\(error)")
                #expect(error.description.hasPrefix("\(file) line 3"))
            }
            let skipping = try RunnerFixtures.loader(data: data, skipBad: true).load("arc_easy", numFewshot: 0, limit: nil)
            #expect(skipping.items.count == 3 && skipping.skipped.count == 1 && skipping.skipped[0].line == 3)
        }
        let boolq = try RunnerFixtures.dataDirectory()
        try RunnerFixtures.write(
            [#"{"idx": 0, "passage": "p", "question": "q", "label": 2}"#], to: boolq.appendingPathComponent("boolq/validation.jsonl"))
        #expect(
            throws: BadDataLine(
                file: boolq.appendingPathComponent("boolq/validation.jsonl").path, line: 1, field: "label",
                reason: "2 is out of range (0 = no, 1 = yes)")
        ) {
            _ = try RunnerFixtures.loader(data: boolq).load("boolq", numFewshot: 0, limit: nil)
        }
    }

    @Test(.requires(.sharedData("data/arc_challenge/test.jsonl")))
    func sha256MatchesPublishedDigests() throws {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // The data README's published digest of a real file (read in 1 MiB pieces).
        let arc = SharedFiles.shared("data/arc_challenge/test.jsonl")
        #expect(try SHA256.hex(fileAt: arc) == "1744b298503ef8038496ac372523314a9c7885f934d90c1361b52614b8d0a8fc")
    }
}
