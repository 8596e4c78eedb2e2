import Checkpoints
import Foundation
import Models
import Provenance

/// `megalodon-eval run` as one library call: tasks loaded once, then each model scored into its
/// folder with a results manifest, resumable through the folder's cache, written atomically
/// (results.json, samples.jsonl and, when asked, lm-eval's files).
public struct EvaluationJob {
    public struct Settings {
        public var taskNames: [String]
        public var numFewshot: Int?
        public var limit: Int?
        public var scoringProtocol: ScoringProtocol = .lmEval
        /// lm-eval's left truncation; nil scores every item in full.
        public var maxLength: Int? = 4096
        public var skipBad = false
        public var batchSize = 16
        public var shard: Shard?
        /// Also write lm-evaluation-harness's files.
        public var lmEvalFiles = false
        public var overwrite = false
        public var tokenizerPath: String?
        public var arithmetic: QuantizedArithmetic = .integer
        public var keyValueCache: KeyValuePrecision = .f32

        public init(taskNames: [String]) { self.taskNames = taskNames }
    }

    /// One model's scored run.
    public struct Outcome {
        public var results: RunResults
        public var folder: URL
        /// lm-eval's results and samples files, when asked for.
        public var lmEvalFiles: [URL]
        /// Items reused from an interrupted run's cache.
        public var resumedItems: Int
    }

    public let settings: Settings
    /// Who runs the job (tool, version, commit, machine), recorded in every manifest.
    public let run: ToolRun
    public let tasks: [LoadedTask]
    /// Data file path → sha256.
    public let dataFiles: [String: String]

    /// Loads the tasks from `definitions` and `data` and hashes their data files.
    public init(settings: Settings, run: ToolRun, definitions: URL, data: URL) throws {
        let loader = TaskLoader(definitionsDirectory: definitions, dataDirectory: data, skipBad: settings.skipBad)
        tasks = try settings.taskNames.map { try loader.load($0, numFewshot: settings.numFewshot, limit: settings.limit) }
        var dataFiles: [String: String] = [:]
        for url in Set(tasks.flatMap(\.dataFiles)) { dataFiles[url.path] = try SHA256.hex(fileAt: url) }
        (self.settings, self.run, self.dataFiles) = (settings, run, dataFiles)
    }

    /// One line per task that skipped malformed data lines (`skipBad`).
    public var skippedLineWarnings: [String] {
        tasks.filter { !$0.skipped.isEmpty }.map {
            "\($0.definition.name): skipped \($0.skipped.count) bad line(s), first: \($0.skipped[0])"
        }
    }

    /// The manifest of `model`'s run: everything needed to reproduce it.
    public func manifest(for model: EvaluationModel) -> Manifest {
        let settings: [String: String] = [
            "tasks": self.settings.taskNames.joined(separator: ","),
            "num_fewshot": self.settings.numFewshot.map(String.init) ?? "task default",
            "limit": self.settings.limit.map(String.init) ?? "none", "protocol": self.settings.scoringProtocol.rawValue,
            "max_length": self.settings.maxLength.map(String.init) ?? "none (no truncation)", "skip_bad": String(self.settings.skipBad),
            "fewshot_seed": String(FewShotSampler<ARCDocument>.defaultSeed), "tokenizer": model.tokenizerFile.path,
            "tokenizer_sha256": model.tokenizerHash, "quantized_arithmetic": "\(self.settings.arithmetic)",
            "kv_cache": self.settings.keyValueCache.rawValue,
            "batch_size": String(self.settings.batchSize),
            "fewshot_pool": tasks.map { "\($0.definition.name): \($0.fewShotPool)" }.joined(separator: "; "),
        ]
        return Manifest(
            run: run, model: model.identity, dataFiles: dataFiles, settings: settings, shard: self.settings.shard?.description,
            protocolCard: self.settings.scoringProtocol.card(for: tasks, numFewshot: self.settings.numFewshot))
    }

    /// Scores the model at `path` into `folder`, resuming from the folder's cache of an interrupted
    /// run with the same manifest; `notice` receives lines worth telling the user (a resume).
    public func evaluate(
        model path: String, into folder: URL, meters: ProgressMeters = ProgressMeter.silent,
        notice: (String) -> Void = { _ in }
    ) throws -> Outcome {
        let started = Date()
        let model = try EvaluationModel.open(
            path, tokenizerPath: settings.tokenizerPath, arithmetic: settings.arithmetic, keyValueCache: settings.keyValueCache)
        let manifest = manifest(for: model)
        let cache = try ResumeCache(directory: folder, key: SHA256.hex(try RunResults(manifest: manifest.identity).encoded()))
        let resumed = cache.finished.count
        if resumed > 0 { notice("resuming: \(resumed) finished item(s) reused from \(cache.url.lastPathComponent)") }
        let meter = meters(model.location.lastPathComponent, EvaluationRunner.selectedItems(tasks, shard: settings.shard), .items)
        let runner = EvaluationRunner(itemScorer: try model.itemScorer(maxLength: settings.maxLength), batchSize: settings.batchSize)
        let scored = try runner.run(tasks, shard: settings.shard, cache: cache, progress: meter.advance)
        meter.finish()
        let results = RunResults(manifest: manifest, tasks: scored.tasks)
        try RunOutput.write(results, samples: scored.samples, to: folder, overwrite: settings.overwrite)
        var lmEvalFiles: [URL] = []
        if settings.lmEvalFiles {
            let written = try LMEvalOutput.write(
                results, samples: scored.samples, tasks: tasks, numFewshot: settings.numFewshot,
                to: folder, started: started, finished: Date())
            lmEvalFiles = [written.results] + written.samples
        }
        try cache.remove()
        return Outcome(results: results, folder: folder, lmEvalFiles: lmEvalFiles, resumedItems: resumed)
    }
}
