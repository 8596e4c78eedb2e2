import ArgumentParser
import Checkpoints
import CommandSupport
import Evaluation
import Foundation
import Models
import Provenance

struct PerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Perplexity against context length (the MEGALODON paper's Figure 5).",
        usage: "megalodon-eval perplexity [<options>] --model <dir|file> ...\n         --text <file> ... --output <dir>",
        discussion:
            "The text files are tokenized and concatenated into one token stream. For each context length L, the first --max-tokens tokens (rounded down to a multiple of the longest L that fits) are cut into consecutive segments of exactly L tokens, and each segment is scored from a fresh model state in one streaming pass with BOS first, as the official eval.py encodes a sequence; PPL(L) = exp(mean NLL over all targets). Every L covers the same tokens, so the curve compares like with like. The cumulative curve comes from one pass over the first max(L) tokens: the mean NLL of the first L targets for every L. --rolling-window W adds lm-eval's loglikelihood_rolling perplexity (disjoint W-token windows per file) with word and byte perplexity and bits per byte. Logits are computed --rows-per-call positions at a time, so memory stays flat whatever L. Results go to OUTPUT/results.json; render them with `megalodon-eval table`. Examples: megalodon-eval perplexity --model ./mega200M --text ~/.cache/megalodon/corpora/kjv.txt --contexts 4K,8K,16K,32K --max-tokens 65536 --output ppl/mega200M ; scripts/fetch-corpora writes public-domain texts to use here."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(
        name: .customLong("text"), help: ArgumentHelp("A UTF-8 text file; repeat for several, concatenated in order.", valueName: "file"))
    var texts: [String]

    @Option(help: ArgumentHelp("Context lengths, comma-separated; K and M suffixes count 1024 and 1048576.", valueName: "list"))
    var contexts = "4K,8K,16K,32K,64K,128K,256K,512K,1M,2M"

    @Option(help: "Tokens of the stream to score at every context length (default: all that fit); lengths longer than this are dropped.")
    var maxTokens: Int?

    @Flag(
        inversion: .prefixedNo,
        help: "Score fresh-state segments of every length; --no-segments keeps only the cumulative curve (one pass).")
    var segments = true

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
    @OptionGroup var cache: KeyValueCacheOptions

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("give at least one --text file") }
        _ = try TokenCountList.parse(contexts, option: "--contexts")
        if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        guard segments || cumulative else { throw ValidationError("--no-segments with --no-cumulative leaves nothing to measure") }
        if let rollingWindow, rollingWindow < 1 { throw ValidationError("--rolling-window must be at least 1") }
        guard rowsPerCall >= 1 else { throw ValidationError("--rows-per-call must be at least 1") }
        if !force {
            for model in modelOptions.models {
                let results = modelOptions.outputDirectory(output, for: model).appendingPathComponent(RunOutput.resultsName)
                if FileManager.default.fileExists(atPath: results.path) {
                    throw ValidationError("\(results.path) exists; pass --force to replace it")
                }
            }
        }
    }

    func run() throws {
        try reportingErrors {
            compute.apply()
            var settings = PerplexityJob.Settings(contexts: try TokenCountList.parse(contexts, option: "--contexts"))
            (settings.maxTokens, settings.segments, settings.cumulative) = (maxTokens, segments, cumulative)
            settings.rollingWindow = rollingWindow
            (settings.rowsPerCall, settings.overwrite) = (rowsPerCall, force)
            (settings.tokenizerPath, settings.arithmetic) = (modelOptions.tokenizer, compute.arithmetic)
            settings.keyValueCache = cache.precision
            let job = try PerplexityJob(
                settings: settings, run: compute.run(tool: "megalodon-eval"),
                texts: texts.map { URL(fileURLWithPath: $0) })
            for model in modelOptions.models {
                let outcome = try job.measure(
                    model: model, into: modelOptions.outputDirectory(output, for: model), meters: ProgressReporter.meters)
                printTable(outcome)
            }
        }
    }

    private func printTable(_ outcome: PerplexityJob.Outcome) {
        let report = outcome.report
        print(
            "\(outcome.modelName): \(report.corpusTokens) tokens used, budget \(report.budget) per context length → \(outcome.folder.path)")
        print("| context | segments | PPL | cumulative PPL |")
        print("|---:|---:|---:|---:|")
        let lengths = Set(report.segments.map(\.contextLength) + report.cumulative.map(\.contextLength)).sorted()
        for length in lengths {
            let segment = report.segments.first { $0.contextLength == length }
            let running = report.cumulative.first { $0.contextLength == length }
            print(
                "| \(ResultsTable.shortLength(length)) | \(segment.map { String($0.segments) } ?? "–") | "
                    + "\(segment.map { String(format: "%.4f", $0.perplexity) } ?? "–") | "
                    + "\(running.map { String(format: "%.4f", $0.perplexity) } ?? "–") |")
        }
        if let rolling = report.rolling {
            print(
                String(
                    format: "rolling (window %d): token PPL %.4f, word PPL %.4f, byte PPL %.4f, bits/byte %.4f",
                    rolling.maxLength, rolling.tokenPerplexity, rolling.wordPerplexity, rolling.bytePerplexity, rolling.bitsPerByte))
        }
    }
}
