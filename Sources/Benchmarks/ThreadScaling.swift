import Foundation
import Models
import Tensors

/// Our own speed at one thread against `threads` threads on one Llama model, in paired rounds in one
/// process: each round measures both thread counts back to back (their order alternating from round to
/// round), so a neighbour that takes the second core for a while slows both sides of the rounds it
/// touches instead of one whole run. Each side also times sgemv over the same matrix: decode streams
/// its weights from memory, and the memory system's own gain from a second thread bounds decode's.
public struct ThreadScaling: Sendable {
    public var threads = 2
    public var rounds = 7
    public var prefillTokens = 512
    public var decodeTokens = 64
    /// Megabytes of the f32 matrix the sgemv anchor streams.
    public var anchorMB = 256

    public init() {}

    /// Tokens/s (prefill, decode) and sgemv GB/s of every round at one thread count.
    public struct Side: Sendable {
        public fileprivate(set) var prefill: [Double] = []
        public fileprivate(set) var decode: [Double] = []
        public fileprivate(set) var sgemv: [Double] = []

        fileprivate mutating func record(_ report: LlamaBenchmark.Report, sgemv bandwidth: Double) {
            prefill.append(report.prefillTokensPerSecond)
            decode.append(report.decodeTokensPerSecond)
            sgemv.append(bandwidth)
        }
    }

    public struct Measurement: Sendable {
        public let path: String
        public let one: Side
        public let many: Side

        /// Median of the many-thread figure over the median of the one-thread figure.
        public func gain(_ figure: KeyPath<Side, [Double]>) -> Double {
            Timing(samples: many[keyPath: figure]).median / max(Timing(samples: one[keyPath: figure]).median, .leastNonzeroMagnitude)
        }

        /// Rounds in which the many-thread side was faster.
        public func roundsWon(_ figure: KeyPath<Side, [Double]>) -> Int {
            PairedRounds(ours: many[keyPath: figure], theirs: one[keyPath: figure]).oursFaster
        }
    }

    /// Measures the model at `path`; the process's thread count is restored afterwards.
    public func measure(model path: String, arithmetic: QuantizedArithmetic, note: (String) -> Void = { _ in }) throws -> Measurement {
        let saved = ThreadPool.shared.threadCount
        defer { setComputeThreads(saved) }
        var bench = LlamaBenchmark(model: try LlamaBenchmark.open(path, arithmetic: arithmetic))
        (bench.repeats, bench.prefillTokens, bench.decodeTokens) = (1, prefillTokens, decodeTokens)
        let anchor = BLASAnchors.SgemvStream(rows: max(1, anchorMB * 1_048_576 / 4 / 4096), columns: 4096)
        let name = URL(fileURLWithPath: path).lastPathComponent
        var one = Side(), many = Side()
        for round in 0..<max(1, rounds) {
            for count in round % 2 == 0 ? [1, threads] : [threads, 1] {
                note("\(name) round \(round + 1)/\(rounds), \(count) thread(s)")
                setComputeThreads(count)
                let report = try bench.run()
                let bandwidth = anchor.measure(repeats: 3).gigabytesPerSecond
                if count == 1 { one.record(report, sgemv: bandwidth) } else { many.record(report, sgemv: bandwidth) }
            }
        }
        return Measurement(path: path, one: one, many: many)
    }
}
