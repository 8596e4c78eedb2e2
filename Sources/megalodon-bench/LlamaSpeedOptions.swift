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

    @Option(help: ArgumentHelp("Path of llama.cpp's llama-bench executable, to measure it in the same run.", valueName: "file"))
    var llamaBench: String?

    func validate() throws {
        guard repeats >= 1, prefillTokens >= 1, decodeTokens >= 1 else {
            throw ValidationError("--repeats, --prefill-tokens and --decode-tokens must be at least 1")
        }
    }

    /// One model's figures, ours and (when `llamaCppModel` is given with --llama-bench) llama.cpp's,
    /// medians over rounds in which the two ran one after the other (paired, so both see the same load).
    struct Measurement {
        let path: String
        let storage: String
        let loadSeconds: Double
        let weightBytesPerToken: Int
        /// Tokens/s of each round: ours and llama-bench's (one run each per round).
        let ours: [(prefill: Double, decode: Double)]
        let theirs: [LlamaCppBenchFigures]

        var prefill: Double { Statistics.median(ours.map(\.prefill)) }
        var decode: Double { Statistics.median(ours.map(\.decode)) }
        var prefillMean: Double { Statistics.mean(ours.map(\.prefill)) }
        var decodeMean: Double { Statistics.mean(ours.map(\.decode)) }
        var llamaCpp: LlamaCppBenchFigures? {
            theirs.isEmpty ? nil : LlamaCppBenchFigures(prefill: Statistics.median(theirs.map(\.prefill)),
                                                        decode: Statistics.median(theirs.map(\.decode)))
        }
    }

    /// --repeats rounds; in each, our prefill and decode once, then `llama-bench -r 1` on the same file.
    func measure(model path: String, llamaCppModel: String?, threads: Int) throws -> Measurement {
        let (loaded, loadSeconds) = try Timing.seconds { try ModelBundle.open(path, arithmetic: QuantizedArithmeticSetting.resolve(option: nil)) }
        guard let engine = loaded.model as? LlamaModel else { throw ToolFailure("\(path) is not a Llama model") }
        var bench = LlamaBenchmark(model: engine)
        (bench.repeats, bench.prefillTokens, bench.decodeTokens) = (1, prefillTokens, decodeTokens)
        let name = URL(fileURLWithPath: path).lastPathComponent
        var ours: [(prefill: Double, decode: Double)] = []
        var theirs: [LlamaCppBenchFigures] = []
        for round in 1...repeats {
            let report = try bench.run { FileHandle.standardError.write(Data("… \(name) round \(round)/\(repeats): \($0)\n".utf8)) }
            ours.append((report.prefillTokensPerSecond, report.decodeTokensPerSecond))
            if let llamaBench, let llamaCppModel {
                FileHandle.standardError.write(Data("… llama-bench on \(URL(fileURLWithPath: llamaCppModel).lastPathComponent) round \(round)/\(repeats)\n".utf8))
                theirs.append(try LlamaCppBenchFigures.measure(executable: llamaBench, model: llamaCppModel, threads: threads,
                                                               prefill: prefillTokens, decode: decodeTokens, repeats: 1))
            }
        }
        return Measurement(path: path, storage: engine.matrixStorage, loadSeconds: loadSeconds,
                           weightBytesPerToken: engine.weightBytesPerToken, ours: ours, theirs: theirs)
    }
}

enum Statistics {
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
}

/// "123.4" or "–" for a missing figure, and a ratio when both sides are there.
enum SpeedText {
    static func figure(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "–" }
    static func ratio(_ ours: Double, _ theirs: Double?) -> String { theirs.map { String(format: "%.2f", ours / $0) } ?? "–" }
}
