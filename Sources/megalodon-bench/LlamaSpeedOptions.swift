import ArgumentParser
import Benchmarks
import CommandSupport
import Foundation
import Models

/// The llama-bench-shaped workload (`--prefill-tokens`, `--decode-tokens`, `--repeats`) shared by
/// `megalodon-bench llama` and `megalodon-bench quant`, and the measurement of one model with it.
struct LlamaSpeedOptions: ParsableArguments {
    @Option(help: "Paired rounds per model (ours once, then llama-bench -r 1); medians over rounds are reported, ours also as a mean.")
    var repeats = 5

    @Option(help: "Tokens in the timed prefill call.")
    var prefillTokens = 512

    @Option(help: "Tokens generated per timed decode run.")
    var decodeTokens = 128

    @Option(help: "Random tokens cached before each timed prefill and decode (llama-bench's -d), untimed.")
    var depth = 0

    @OptionGroup var cache: KeyValueCacheOptions

    @Option(help: ArgumentHelp("Path of llama.cpp's llama-bench executable, to measure it in the same run.", valueName: "file"))
    var llamaBench: String?

    func validate() throws {
        guard repeats >= 1, prefillTokens >= 1, decodeTokens >= 1 else {
            throw ValidationError("--repeats, --prefill-tokens and --decode-tokens must be at least 1")
        }
        guard depth >= 0 else { throw ValidationError("--depth must not be negative (got \(depth))") }
    }

    /// One model's figures, ours and (when `llamaCppModel` is given with --llama-bench) llama.cpp's,
    /// in paired rounds (the library's `LlamaSpeedComparison`; this only passes the options).
    func measure(model path: String, llamaCppModel: String?, threads: Int) throws -> LlamaSpeedComparison.Measurement {
        var comparison = LlamaSpeedComparison()
        (comparison.rounds, comparison.prefillTokens, comparison.decodeTokens) = (repeats, prefillTokens, decodeTokens)
        (comparison.threads, comparison.llamaBench) = (threads, llamaBench)
        (comparison.depth, comparison.keyValueCache) = (depth, cache.precision)
        return try comparison.measure(
            model: path, arithmetic: QuantizedArithmeticSetting.resolve(option: nil), llamaCppModel: llamaCppModel
        ) {
            FileHandle.standardError.write(Data("… \($0)\n".utf8))
        }
    }
}

/// "123.4" or "–" for a missing figure, and a ratio when both sides are there.
enum SpeedText {
    static func figure(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "–" }
    static func ratio(_ ours: Double, _ theirs: Double?) -> String { theirs.map { String(format: "%.2f", ours / $0) } ?? "–" }
}
