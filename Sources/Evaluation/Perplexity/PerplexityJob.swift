import Checkpoints
import Foundation
import Models
import Provenance

/// `megalodon-eval perplexity` as one library call: the texts read once, then for each model the
/// segment curve, the cumulative curve and (when asked) lm-eval's rolling perplexity, written as
/// results.json with a manifest.
public struct PerplexityJob {
    public struct Settings {
        /// Context lengths asked for; those longer than the tokens available are dropped.
        public var contexts: [Int]
        /// Tokens of the stream to use (nil: all).
        public var maxTokens: Int?
        /// Score budget / L fresh-state segments for every L (the paper's curve).
        public var segments = true
        public var cumulative = true
        /// lm-eval's rolling-perplexity window, or nil to skip it.
        public var rollingWindow: Int?
        public var rowsPerCall = 256
        public var overwrite = false
        public var tokenizerPath: String?
        public var arithmetic: QuantizedArithmetic = .integer
        public var keyValueCache: KeyValuePrecision = .f32

        public init(contexts: [Int]) { self.contexts = contexts }
    }

    /// One model's measured curves.
    public struct Outcome {
        public var results: RunResults
        public var report: PerplexityReport
        public var folder: URL
        /// The model's name (its directory or file name).
        public var modelName: String
    }

    public let settings: Settings
    public let run: ToolRun
    /// The texts' paths, in order.
    public let texts: [URL]
    public let documents: [String]
    /// Text file path → sha256.
    public let dataFiles: [String: String]

    /// Reads the texts (UTF-8 files, concatenated in order).
    public init(settings: Settings, run: ToolRun, texts: [URL]) throws {
        var documents: [String] = [], dataFiles: [String: String] = [:]
        for url in texts {
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw EvaluationDataError.unreadable(file: url.path, reason: "cannot read the file")
            }
            documents.append(String(decoding: data, as: UTF8.self))
            dataFiles[url.path] = SHA256.hex(data)
        }
        (self.settings, self.run, self.texts, self.documents, self.dataFiles) = (settings, run, texts, documents, dataFiles)
    }

    /// Measures the model at `path` and writes `folder`/results.json.
    public func measure(model path: String, into folder: URL, meters: ProgressMeters = ProgressMeter.silent) throws -> Outcome {
        let model = try EvaluationModel.open(
            path, tokenizerPath: settings.tokenizerPath, arithmetic: settings.arithmetic, keyValueCache: settings.keyValueCache)
        let stream = try CorpusTokens.stream(documents, tokenizer: model.tokenizer, limit: settings.maxTokens)
        let plan = try LongContextPerplexity<MegalodonModel>.plan(contexts: settings.contexts, available: stream.count)
        let total =
            (settings.segments ? plan.budget * plan.contexts.count : 0) + (settings.cumulative ? plan.contexts.last ?? 0 : 0)
            + (settings.rollingWindow == nil ? 0 : stream.count)
        let meter = meters("\(model.location.lastPathComponent) perplexity", total, .tokens)
        let report = try curves(model.model, tokenizer: model.tokenizer, stream: stream, plan: plan, progress: meter.advance)
        meter.finish()
        let settings: [String: String] = [
            "contexts": plan.contexts.map(String.init).joined(separator: ","),
            "max_tokens": self.settings.maxTokens.map(String.init) ?? "all",
            "budget": String(plan.budget), "rolling_window": self.settings.rollingWindow.map(String.init) ?? "none",
            "tokenizer": model.tokenizerFile.path, "tokenizer_sha256": model.tokenizerHash, "bos": String(model.tokenizer.prefixTokenID),
            "quantized_arithmetic": "\(self.settings.arithmetic)", "kv_cache": self.settings.keyValueCache.rawValue,
        ]
        let results = RunResults(
            manifest: Manifest(run: run, model: model.identity, dataFiles: dataFiles, settings: settings), perplexity: report)
        try RunOutput.write(results, samples: [], to: folder, overwrite: self.settings.overwrite)
        return Outcome(results: results, report: report, folder: folder, modelName: model.location.lastPathComponent)
    }

    /// The segment curve, the cumulative curve and rolling perplexity for one concrete model type.
    private func curves<Model: LanguageModel>(
        _ model: Model, tokenizer: TokenizerBinding, stream: [Int], plan: (contexts: [Int], budget: Int),
        progress: @escaping (Int) -> Void
    ) throws -> PerplexityReport {
        let perplexity = LongContextPerplexity(
            model: model, beginningOfSequence: tokenizer.prefixTokenID, rowsPerCall: settings.rowsPerCall)
        let segments =
            settings.segments
            ? try perplexity.segmentCurve(tokens: stream, contexts: plan.contexts, budget: plan.budget, progress: progress) : []
        let curve = settings.cumulative ? try perplexity.cumulativeCurve(tokens: stream, contexts: plan.contexts, progress: progress) : []
        var rolling: PerplexityReport.Rolling?
        if let window = settings.rollingWindow {
            let scorer = try LanguageModelScorer(model: model, decoder: tokenizer, maxLength: window, rowsPerCall: settings.rowsPerCall)
            rolling = try RollingPerplexity.measure(documents: documents, tokenizer: tokenizer, scorer: scorer, maxLength: window)
            progress(stream.count)
        }
        return PerplexityReport(
            corpus: texts.map(\.lastPathComponent), corpusTokens: stream.count, budget: plan.budget,
            segments: segments, cumulative: curve, rolling: rolling)
    }
}
