import Foundation
import Models

/// A Llama model's prefill and decode speed next to llama.cpp's llama-bench on the same file, in
/// paired rounds (ours once, then `llama-bench -r 1`), so both see the same machine load.
public struct LlamaSpeedComparison {
    public var rounds = 5
    public var prefillTokens = 512
    public var decodeTokens = 128
    public var threads = 1
    /// Positions cached before each timed call (llama-bench's `-d`).
    public var depth = 0
    /// Our caches' precision. llama-bench keeps its default f16 caches either way (its build here
    /// refuses `-ctk f32`), so f16 is the like-for-like setting once the cache is long.
    public var keyValueCache = KeyValuePrecision.f32
    /// llama.cpp's llama-bench executable, or nil to measure ours only.
    public var llamaBench: String?

    public init() {}

    public enum Failure: Error, CustomStringConvertible {
        case llamaBench(String)

        public var description: String {
            switch self {
            case let .llamaBench(detail): return detail
            }
        }
    }

    /// One model's figures: tokens/s of every round, summarised by medians (ours also by a mean).
    public struct Measurement {
        public let path: String
        public let storage: String
        public let loadSeconds: Double
        public let weightBytesPerToken: Int
        public let prefillRounds: Timing
        public let decodeRounds: Timing
        /// llama-bench's medians over the rounds, when it ran.
        public let llamaCpp: LlamaCppBenchFigures?

        public var prefill: Double { prefillRounds.median }
        public var decode: Double { decodeRounds.median }
    }

    /// Measures the model at `path` (opened with `arithmetic`); llama-bench runs on `llamaCppModel`.
    public func measure(
        model path: String, arithmetic: QuantizedArithmetic, llamaCppModel: String?,
        note: (String) -> Void = { _ in }
    ) throws -> Measurement {
        let (engine, loadSeconds) = try Timing.seconds {
            try LlamaBenchmark.open(path, arithmetic: arithmetic, keyValueCache: keyValueCache)
        }
        var bench = LlamaBenchmark(model: engine)
        (bench.repeats, bench.prefillTokens, bench.decodeTokens, bench.depth) = (1, prefillTokens, decodeTokens, depth)
        let name = URL(fileURLWithPath: path).lastPathComponent
        var prefill: [Double] = [], decode: [Double] = [], theirs: [LlamaCppBenchFigures] = []
        for round in 1...max(1, rounds) {
            let report = try bench.run { note("\(name) round \(round)/\(rounds): \($0)") }
            prefill.append(report.prefillTokensPerSecond)
            decode.append(report.decodeTokensPerSecond)
            if let llamaBench, let llamaCppModel {
                note("llama-bench on \(URL(fileURLWithPath: llamaCppModel).lastPathComponent) round \(round)/\(rounds)")
                theirs.append(
                    try LlamaCppBenchFigures.measure(
                        executable: llamaBench, model: llamaCppModel, threads: threads,
                        prefill: prefillTokens, decode: decodeTokens, repeats: 1, depth: depth))
            }
        }
        let llamaCpp =
            theirs.isEmpty
            ? nil
            : LlamaCppBenchFigures(
                prefill: Timing(samples: theirs.compactMap(\.prefill)).median,
                decode: Timing(samples: theirs.map(\.decode)).median)
        return Measurement(
            path: path, storage: engine.matrixStorage, loadSeconds: loadSeconds, weightBytesPerToken: engine.weightBytesPerToken,
            prefillRounds: Timing(samples: prefill), decodeRounds: Timing(samples: decode), llamaCpp: llamaCpp)
    }
}

/// llama-bench's tokens/s, from its JSON output.
public struct LlamaCppBenchFigures: Sendable {
    /// Nil when it was asked for no prefill (`-p 0`).
    public let prefill: Double?
    public let decode: Double

    /// `llama-bench -m model -t threads -p prefill -n decode -r repeats -d depth -o json`, with its
    /// default (f16) caches.
    public static func measure(
        executable: String, model: String, threads: Int, prefill: Int, decode: Int, repeats: Int, depth: Int = 0
    ) throws -> LlamaCppBenchFigures {
        typealias Failure = LlamaSpeedComparison.Failure
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "-m", model, "-t", "\(threads)", "-p", "\(prefill)", "-n", "\(decode)", "-r", "\(repeats)", "-d", "\(depth)", "-o", "json",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw Failure.llamaBench("cannot run \(executable): \(error.localizedDescription)") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure.llamaBench("\(executable) exited with status \(process.terminationStatus)")
        }
        guard let rows = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Failure.llamaBench("\(executable) did not print the JSON list it prints with -o json")
        }
        func speed(promptTokens: Int, generated: Int) throws -> Double {
            guard let row = rows.first(where: { ($0["n_prompt"] as? Int) == promptTokens && ($0["n_gen"] as? Int) == generated }),
                let speed = row["avg_ts"] as? Double
            else {
                throw Failure.llamaBench("llama-bench reported no row for n_prompt=\(promptTokens), n_gen=\(generated)")
            }
            return speed
        }
        return LlamaCppBenchFigures(
            prefill: prefill > 0 ? try speed(promptTokens: prefill, generated: 0) : nil,
            decode: try speed(promptTokens: 0, generated: decode))
    }
}
