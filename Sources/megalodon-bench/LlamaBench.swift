import ArgumentParser
import Benchmarks
import CommandSupport
import Foundation
import Models
import Tensors

struct LlamaBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llama",
        abstract: "Prefill and decode speed of the Llama engine on a real model, optionally next to llama.cpp's llama-bench.",
        usage: "megalodon-bench llama [<options>]",
        discussion:
            "Loads --model (a Llama GGUF file or model directory; Q8_0/Q4_0/Q4_1/Q5_0/Q5_1, k-quant (Q2_K … Q6_K) and IQ4_NL GGUF weights and quantized model directories run on the quantized kernels as stored; other ggml types are refused) and measures, like llama-bench, a prefill of --prefill-tokens random tokens in one call (pp) and --decode-tokens tokens generated one call each (tg), both from an empty context, or after --depth random tokens already cached (untimed, llama-bench's -d); figures are medians over --repeats runs. With --llama-bench and --llama-bench-model it also runs `llama-bench -m MODEL -t THREADS -p N -n M -r 1 -d DEPTH -o json` in the same run and prints the ratios. llama-bench keeps f16 caches, so at depth --kv-cache f16 is the like-for-like setting; for f32 weights give it an F32 GGUF (make one with `llama-quantize --allow-requantize model.gguf model-f32.gguf F32`)."
    )

    @Option(help: ArgumentHelp("Llama GGUF file or model directory.", valueName: "path"))
    var model: String

    @OptionGroup var threading: BenchThreadOptions
    @OptionGroup var speed: LlamaSpeedOptions

    @Option(help: ArgumentHelp("The GGUF llama-bench should run (an F32 one to compare with our f32 engine).", valueName: "file"))
    var llamaBenchModel: String?

    func validate() throws {
        guard (speed.llamaBench == nil) == (llamaBenchModel == nil) else {
            throw ValidationError("--llama-bench and --llama-bench-model go together")
        }
    }

    func run() throws {
        try reportingErrors {
            threading.apply()
            let measured = try speed.measure(model: model, llamaCppModel: llamaBenchModel, threads: threading.threads)
            print(
                "megalodon-bench llama: \(model), \(measured.storage) matrices in memory, \(threading.threads) thread(s), median of \(speed.repeats) paired rounds, OpenBLAS kernels \(BLAS.coreName)"
            )
            threading.printMachine()
            print(
                String(
                    format: "loaded in %.1f s; weights read per decoded token: %@", measured.loadSeconds,
                    ByteCountText.format(Double(measured.weightBytesPerToken))))
            print("| test | ours (tok/s, median / mean) | llama.cpp (tok/s, median) | ratio of medians |")
            print("|---|---|---|---|")
            let rows = [
                ("pp\(speed.prefillTokens)", measured.prefill, measured.prefillRounds.mean, measured.llamaCpp?.prefill),
                ("tg\(speed.decodeTokens)", measured.decode, measured.decodeRounds.mean, measured.llamaCpp?.decode),
            ]
            for (name, ours, mean, theirs) in rows {
                print(
                    "| \(name) | \(SpeedText.figure(ours)) / \(SpeedText.figure(mean)) | \(SpeedText.figure(theirs)) | \(SpeedText.ratio(ours, theirs)) |"
                )
            }
        }
    }
}
