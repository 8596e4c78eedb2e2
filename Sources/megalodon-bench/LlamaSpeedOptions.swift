import ArgumentParser
import Benchmarks
import CommandSupport
import Foundation
import Models

/// The llama-bench-shaped workload (`--prefill-tokens`, `--decode-tokens`, `--repeats`) shared by
/// `megalodon-bench llama` and `megalodon-bench quant`, and the measurement of one model with it.
struct LlamaSpeedOptions: ParsableArguments {
    @Option(help: "Timed runs per measurement; the median is reported.")
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

    /// One model's figures, ours and (when `llamaCppModel` is given with --llama-bench) llama.cpp's.
    struct Measurement {
        let path: String
        let storage: String
        let loadSeconds: Double
        let report: LlamaBenchmark.Report
        let llamaCpp: LlamaCppBenchFigures?
    }

    func measure(model path: String, llamaCppModel: String?, threads: Int) throws -> Measurement {
        let (loaded, loadSeconds) = try Timing.seconds { try ModelBundle.open(path, arithmetic: QuantizedArithmeticSetting.resolve(option: nil)) }
        guard let engine = loaded.model as? LlamaModel else { throw ToolFailure("\(path) is not a Llama model") }
        var bench = LlamaBenchmark(model: engine)
        (bench.repeats, bench.prefillTokens, bench.decodeTokens) = (repeats, prefillTokens, decodeTokens)
        let name = URL(fileURLWithPath: path).lastPathComponent
        let report = try bench.run { FileHandle.standardError.write(Data("… \(name): \($0)\n".utf8)) }
        var reference: LlamaCppBenchFigures?
        if let llamaBench, let llamaCppModel {
            FileHandle.standardError.write(Data("… llama-bench on \(URL(fileURLWithPath: llamaCppModel).lastPathComponent)\n".utf8))
            reference = try LlamaCppBenchFigures.measure(executable: llamaBench, model: llamaCppModel, threads: threads,
                                                         prefill: prefillTokens, decode: decodeTokens, repeats: repeats)
        }
        return Measurement(path: path, storage: engine.matrixStorage, loadSeconds: loadSeconds, report: report, llamaCpp: reference)
    }
}

/// "123.4" or "–" for a missing figure, and a ratio when both sides are there.
enum SpeedText {
    static func figure(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "–" }
    static func ratio(_ ours: Double, _ theirs: Double?) -> String { theirs.map { String(format: "%.2f", ours / $0) } ?? "–" }
}
