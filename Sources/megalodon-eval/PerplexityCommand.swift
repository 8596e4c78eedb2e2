import Checkpoints
import ArgumentParser
import CommandSupport
import Evaluation
import Foundation
import Models

struct PerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Perplexity against context length (the MEGALODON paper's Figure 5).",
        usage: "megalodon-eval perplexity [<options>] --model <dir|file> ...\n         --text <file> ... --output <dir>",
        discussion: "The text files are tokenized and concatenated into one token stream. For each context length L, the first --max-tokens tokens (rounded down to a multiple of the longest L that fits) are cut into consecutive segments of exactly L tokens, and each segment is scored from a fresh model state in one streaming pass with BOS first, as the official eval.py encodes a sequence; PPL(L) = exp(mean NLL over all targets). Every L covers the same tokens, so the curve compares like with like. The cumulative curve comes from one pass over the first max(L) tokens: the mean NLL of the first L targets for every L. --rolling-window W adds lm-eval's loglikelihood_rolling perplexity (disjoint W-token windows per file) with word and byte perplexity and bits per byte. Logits are computed --rows-per-call positions at a time, so memory stays flat whatever L. Results go to OUTPUT/results.json; render them with `megalodon-eval table`. Examples: megalodon-eval perplexity --model ./mega200M --text ~/.cache/megalodon/corpora/kjv.txt --contexts 4K,8K,16K,32K --max-tokens 65536 --output ppl/mega200M ; scripts/fetch-corpora writes public-domain texts to use here.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .customLong("text"), help: ArgumentHelp("A UTF-8 text file; repeat for several, concatenated in order.", valueName: "file"))
    var texts: [String]

    @Option(help: ArgumentHelp("Context lengths, comma-separated; K and M suffixes count 1024 and 1048576.", valueName: "list"))
    var contexts = "4K,8K,16K,32K,64K,128K,256K,512K,1M,2M"

    @Option(help: "Tokens of the stream to score at every context length (default: all that fit); lengths longer than this are dropped.")
    var maxTokens: Int?

    @Flag(inversion: .prefixedNo, help: "Also compute the single-pass cumulative curve.")
    var cumulative = true

    @Option(help: ArgumentHelp("Also report lm-eval's rolling perplexity with this window (its max_length).", valueName: "tokens"))
    var rollingWindow: Int?

    @Option(help: "Positions whose logits are computed per model call (memory is this times the vocabulary).")
    var rowsPerCall = 256

    @Option(help: ArgumentHelp("Output folder (one subfolder per model when several --model are given).", valueName: "dir"))
    var output: String

    @Flag(help: "Replace existing results in the output folder.")
    var force = false

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("give at least one --text file") }
        _ = try parseTokenCounts(contexts, option: "--contexts")
        if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        if let rollingWindow, rollingWindow < 1 { throw ValidationError("--rolling-window must be at least 1") }
        guard rowsPerCall >= 1 else { throw ValidationError("--rows-per-call must be at least 1") }
        if !force {
            for model in modelOptions.models {
                let results = modelOptions.outputDirectory(output, for: model).appendingPathComponent(RunOutput.resultsName)
                if FileManager.default.fileExists(atPath: results.path) { throw ValidationError("\(results.path) exists; pass --force to replace it") }
            }
        }
    }

    func run() throws {
        try reportingErrors {
            compute.apply()
            var documents: [String] = []
            var dataFiles: [String: String] = [:]
            for path in texts {
                let url = URL(fileURLWithPath: path)
                guard let data = FileManager.default.contents(atPath: path) else { throw ToolFailure("cannot read \(path)") }
                documents.append(String(decoding: data, as: UTF8.self))
                dataFiles[url.path] = SHA256.hex(data)
            }
            for modelPath in modelOptions.models { try measure(modelPath, documents: documents, dataFiles: dataFiles) }
        }
    }

    private func measure(_ modelPath: String, documents: [String], dataFiles: [String: String]) throws {
        let model = try modelOptions.load(modelPath, arithmetic: compute.arithmetic)
        let stream = try CorpusTokens.stream(documents, tokenizer: model.tokenizer, limit: maxTokens)
        let available = stream.count
        let plan = try LongContextPerplexity<MegalodonModel>.plan(contexts: try parseTokenCounts(contexts, option: "--contexts"), available: available)
        let longest = plan.contexts.last ?? 0
        let rollingTokens = rollingWindow == nil ? 0 : stream.count
        let progress = progressReporter("\(model.location.lastPathComponent) perplexity", unit: .tokens,
                                        total: plan.budget * plan.contexts.count + (cumulative ? longest : 0) + rollingTokens)
        let (segments, curve, rolling) = try measureCurves(model.model, tokenizer: model.tokenizer, documents: documents, stream: stream,
                                                            plan: plan) { progress.advance(by: $0) }
        progress.finish()
        let report = PerplexityReport(corpus: texts.map { URL(fileURLWithPath: $0).lastPathComponent }, corpusTokens: stream.count,
                                      budget: plan.budget, segments: segments, cumulative: curve, rolling: rolling)
        let settings: [String: String] = [
            "contexts": plan.contexts.map(String.init).joined(separator: ","), "max_tokens": maxTokens.map(String.init) ?? "all",
            "budget": String(plan.budget), "rolling_window": rollingWindow.map(String.init) ?? "none",
            "tokenizer": model.tokenizerFile.path, "tokenizer_sha256": model.tokenizerHash, "bos": String(model.tokenizer.prefixTokenID),
        ]
        let manifest = Manifest(tool: ToolIdentity.name, toolVersion: ToolIdentity.version, gitCommit: ToolIdentity.gitCommit,
                                model: model.identity, dataFiles: dataFiles, settings: settings,
                                environment: .current(threads: compute.threads))
        let folder = modelOptions.outputDirectory(output, for: modelPath)
        try RunOutput.write(RunResults(manifest: manifest, perplexity: report), samples: [], to: folder, overwrite: force)
        print("\(model.location.lastPathComponent): \(stream.count) tokens used, budget \(plan.budget) per context length → \(folder.path)")
        print("| context | segments | PPL | cumulative PPL |")
        print("|---:|---:|---:|---:|")
        for point in segments {
            let running = curve.first { $0.contextLength == point.contextLength }.map { String(format: "%.4f", $0.perplexity) } ?? "–"
            print(String(format: "| %@ | %d | %.4f | %@ |", ResultsTable.shortLength(point.contextLength), point.segments, point.perplexity, running))
        }
        if let rolling {
            print(String(format: "rolling (window %d): token PPL %.4f, word PPL %.4f, byte PPL %.4f, bits/byte %.4f",
                         rolling.maxLength, rolling.tokenPerplexity, rolling.wordPerplexity, rolling.bytePerplexity, rolling.bitsPerByte))
        }
    }

    /// The segment curve, the cumulative curve and rolling perplexity for one concrete model type.
    private func measureCurves<Model: LanguageModel>(
        _ model: Model, tokenizer: TokenizerBinding, documents: [String], stream: [Int], plan: (contexts: [Int], budget: Int),
        progress: @escaping (Int) -> Void
    ) throws -> ([PerplexityReport.SegmentPoint], [PerplexityReport.CumulativePoint], PerplexityReport.Rolling?) {
        let perplexity = LongContextPerplexity(model: model, beginningOfSequence: tokenizer.prefixTokenID, rowsPerCall: rowsPerCall)
        let segments = try perplexity.segmentCurve(tokens: stream, contexts: plan.contexts, budget: plan.budget, progress: progress)
        let curve = cumulative ? try perplexity.cumulativeCurve(tokens: stream, contexts: plan.contexts, progress: progress) : []
        var rolling: PerplexityReport.Rolling?
        if let rollingWindow {
            let scorer = try LanguageModelScorer(model: model, decoder: tokenizer, maxLength: rollingWindow, rowsPerCall: rowsPerCall)
            rolling = try RollingPerplexity.measure(documents: documents, tokenizer: tokenizer, scorer: scorer, maxLength: rollingWindow)
            progress(stream.count)
        }
        return (segments, curve, rolling)
    }
}
