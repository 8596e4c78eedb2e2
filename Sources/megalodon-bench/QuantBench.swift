import ArgumentParser
import Benchmarks
import CommandSupport
import Foundation
import Models
import Quantization
import Tensors

/// `megalodon-bench quant`: end-to-end speed of one model at several weight types, next to llama.cpp
/// on the same files and to the memory-bandwidth anchor.
struct QuantBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quant",
        abstract: "Prefill and decode speed of a Llama model at several weight types (f32, int8, int4), next to llama.cpp and sgemv.",
        usage: "megalodon-bench quant [<options>]",
        discussion:
            "Each --model (a Llama GGUF file, F32, Q8_0/Q4_0/Q4_1 or a k-quant mix such as Q4_K_M, or a model directory, plain or written by megalodon-quantize) is timed like llama-bench: a prefill of --prefill-tokens random tokens in one call (pp) and --decode-tokens tokens generated one call each (tg), medians of --repeats runs. With --llama-bench, llama.cpp's llama-bench runs on the same GGUF file right after ours (a model directory gets no llama.cpp figure unless --llama-bench-model gives one, in the same order as --model). Weight bandwidth during decode is the bytes of matrices one token reads (as stored, scales included) times tokens per second, reported against OpenBLAS sgemv streaming a --anchor-mb f32 matrix in the same run. Make the llama.cpp files with llama-quantize (e.g. `llama-quantize model-f32.gguf model-q8_0.gguf Q8_0`)."
    )

    @Option(
        name: .customLong("model"),
        help: ArgumentHelp("A Llama GGUF file or model directory; repeat for each weight type.", valueName: "path"))
    var models: [String] = []

    @Option(
        name: .customLong("llama-bench-model"),
        help: ArgumentHelp(
            "The GGUF llama-bench runs for the model at the same position (default: the model itself when it is a GGUF file).",
            valueName: "file"))
    var llamaBenchModels: [String] = []

    @Option(
        name: .customLong("anchor-mb"),
        help: "Size of the f32 matrix the sgemv anchor streams (larger than the last-level cache measures memory).")
    var anchorMB = 512

    @OptionGroup var threading: BenchThreadOptions
    @OptionGroup var speed: LlamaSpeedOptions

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give at least one --model") }
        guard llamaBenchModels.isEmpty || llamaBenchModels.count == models.count else {
            throw ValidationError(
                "--llama-bench-model is given \(llamaBenchModels.count) times for \(models.count) models; give it once per --model or not at all"
            )
        }
        guard anchorMB >= 1 else { throw ValidationError("--anchor-mb must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            threading.apply()
            let columns = 4096, rows = max(1, anchorMB * 1_048_576 / 4 / 4096)
            FileHandle.standardError.write(Data("… sgemv anchor: \(rows) × \(columns) f32\n".utf8))
            let anchor = BLASAnchors.sgemv(rows: rows, columns: columns, repeats: max(5, speed.repeats))
            var measurements: [LlamaSpeedComparison.Measurement] = []
            for (index, model) in models.enumerated() {
                let llamaCppModel = llamaBenchModels.isEmpty ? (model.hasSuffix(".gguf") ? model : nil) : llamaBenchModels[index]
                measurements.append(try speed.measure(model: model, llamaCppModel: llamaCppModel, threads: threading.threads))
            }
            print(
                "megalodon-bench quant: \(threading.threads) thread(s), median of \(speed.repeats) paired rounds, pp\(speed.prefillTokens) / tg\(speed.decodeTokens), OpenBLAS kernels \(BLAS.coreName), quantized kernels \(KernelVariant.preferred), \(QuantizedArithmeticSetting.resolve(option: nil)) arithmetic"
            )
            threading.printMachine()
            print(String(format: "anchor: sgemv over a %d MiB f32 matrix streams %.1f GB/s", anchorMB, anchor.gigabytesPerSecond))
            print(
                "| model | matrices | weights/token | pp ours (median / mean) | pp llama.cpp | pp ratio | tg ours (median / mean) | tg llama.cpp | tg ratio | decode GB/s | / sgemv |"
            )
            print("|---|---|---|---|---|---|---|---|---|---|---|")
            for m in measurements {
                let bandwidth = Double(m.weightBytesPerToken) * m.decode / 1e9
                let cells = [
                    URL(fileURLWithPath: m.path).lastPathComponent, m.storage, ByteCountText.format(Double(m.weightBytesPerToken)),
                    SpeedText.figure(m.prefill) + " / " + SpeedText.figure(m.prefillRounds.mean), SpeedText.figure(m.llamaCpp?.prefill),
                    SpeedText.ratio(m.prefill, m.llamaCpp?.prefill),
                    SpeedText.figure(m.decode) + " / " + SpeedText.figure(m.decodeRounds.mean), SpeedText.figure(m.llamaCpp?.decode),
                    SpeedText.ratio(m.decode, m.llamaCpp?.decode),
                    String(format: "%.1f", bandwidth), String(format: "%.2f", bandwidth / anchor.gigabytesPerSecond),
                ]
                print("| " + cells.joined(separator: " | ") + " |")
            }
        }
    }
}
