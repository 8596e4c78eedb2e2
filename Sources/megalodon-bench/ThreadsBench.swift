import ArgumentParser
import Benchmarks
import CommandSupport
import Foundation
import Models
import Quantization
import Tensors

/// `megalodon-bench threads`: what a second thread gains over one, measured in paired rounds.
struct ThreadsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "threads",
        abstract: "Our prefill and decode at one thread against --threads threads, in paired rounds in one process.",
        usage: "megalodon-bench threads --model <path> [--model <path> ...] [--threads 2] [<options>]",
        discussion:
            "Separate runs at 1 and 2 threads compare two moments of a shared machine: a neighbour that takes the second core for a minute decides the result. Here every round times each --model at one thread and at --threads threads back to back (the order alternating between rounds), a prefill of --prefill-tokens tokens and a decode of --decode-tokens tokens each, and then sgemv over a --anchor-mb f32 matrix at the same thread count. The table gives medians over rounds, the gain (threads ÷ one), and in how many rounds the threaded side was faster; sgemv's own gain is the ceiling for decode, which streams its weights from memory. The toolkit aims at a decode gain of at least 1.6 when the second core is free, and never below 1."
    )

    @Option(
        name: .customLong("model"),
        help: ArgumentHelp("A Llama GGUF file or model directory; repeat for several.", valueName: "path"))
    var models: [String] = []

    @Option(help: "Threads of the threaded side (the other side is one thread).")
    var threads = 2

    @Option(help: "Paired rounds per model; medians over rounds are reported.")
    var rounds = 7

    @Option(help: "Tokens in the timed prefill call.")
    var prefillTokens = 512

    @Option(help: "Tokens generated per timed decode run.")
    var decodeTokens = 64

    @Option(
        name: .customLong("anchor-mb"),
        help: "Size of the f32 matrix the sgemv anchor streams (larger than the last-level cache measures memory).")
    var anchorMB = 256

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give at least one --model") }
        guard threads >= 2 else { throw ValidationError("--threads must be at least 2 (the other side is one thread)") }
        guard rounds >= 1, prefillTokens >= 1, decodeTokens >= 1, anchorMB >= 1 else {
            throw ValidationError("--rounds, --prefill-tokens, --decode-tokens and --anchor-mb must be at least 1")
        }
    }

    func run() throws {
        try reportingErrors {
            BenchThreadOptions.prepareMachine(threads: threads)
            var scaling = ThreadScaling()
            (scaling.threads, scaling.rounds, scaling.prefillTokens, scaling.decodeTokens, scaling.anchorMB) =
                (threads, rounds, prefillTokens, decodeTokens, anchorMB)
            let arithmetic = QuantizedArithmeticSetting.resolve(option: nil)
            var measurements: [ThreadScaling.Measurement] = []
            for model in models {
                measurements.append(
                    try scaling.measure(model: model, arithmetic: arithmetic) { FileHandle.standardError.write(Data("… \($0)\n".utf8)) })
            }
            print(
                "megalodon-bench threads: 1 against \(threads) threads, median of \(rounds) paired rounds, pp\(prefillTokens) / tg\(decodeTokens), quantized kernels \(KernelVariant.preferred)"
            )
            BenchThreadOptions.printMachine(threads: threads)
            print(
                "| model | pp 1 thread | pp \(threads) | pp gain (rounds won) | tg 1 thread | tg \(threads) | tg gain (rounds won) | sgemv GB/s 1 / \(threads) | sgemv gain |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            for m in measurements {
                func median(_ values: [Double]) -> String { SpeedText.figure(Timing(samples: values).median) }
                func gain(_ figure: KeyPath<ThreadScaling.Side, [Double]>) -> String {
                    String(format: "%.2f (%d/%d)", m.gain(figure), m.roundsWon(figure), m.one[keyPath: figure].count)
                }
                let cells = [
                    URL(fileURLWithPath: m.path).lastPathComponent, median(m.one.prefill), median(m.many.prefill), gain(\.prefill),
                    median(m.one.decode), median(m.many.decode), gain(\.decode),
                    median(m.one.sgemv) + " / " + median(m.many.sgemv), String(format: "%.2f", m.gain(\.sgemv)),
                ]
                print("| " + cells.joined(separator: " | ") + " |")
            }
        }
    }
}
