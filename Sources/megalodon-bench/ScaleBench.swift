import ArgumentParser
import Benchmarks
import CommandSupport
import Foundation
import Models
import Quantization
import Tensors

struct ScaleBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode speed of a model on disk (7B-class), weight GB/s against sgemv and the bf16 kernels, in one run.",
        usage: "megalodon-bench decode --model <path> [<options>]",
        discussion: """
            Opens the model as the tools do (a model directory memory-mapped, or a GGUF file; weights used in place, bf16 through the bf16 kernels, quantized through the integer kernels), prefills a few tokens (which also faults in every weight page), then times single-token decode calls. Reports tokens/s, the weight bytes one token reads and their GB/s, resident memory after opening and at peak, and in the same run the anchors: OpenBLAS sgemv on a 256 MiB f32 matrix and every bf16 kernel variant this CPU has on a 256 MiB bf16 matrix.

            With --llama-bench and --llama-model, llama.cpp's llama-bench decodes the same number of tokens on a GGUF file after each of our runs (`-p 0 -n <decode-tokens> -r 1`), so each pair sees the same machine load; the ratio reported is the median of the per-round ratios, with how many rounds ours won. On a shared host the bandwidth itself can drift by a third within a minute, and only paired rounds keep that out of the ratio.

            Examples:
              megalodon-bench decode --model models/mega7.3B-bf16 --threads 1
              megalodon-bench decode --model models/llama2-7b-int4 --threads 2 --repeats 5 --decode-tokens 16 \\
                --llama-bench llama.cpp/build/bin/llama-bench --llama-model models/llama2-7b-Q4_0.gguf
            """)

    @Option(help: ArgumentHelp("Model directory or GGUF file.", valueName: "path"))
    var model: String

    @OptionGroup var threading: BenchThreadOptions

    @Option(help: "Timed decode runs; the median token time is reported. With --llama-bench, the paired rounds.")
    var repeats = 2

    @Option(help: "Tokens in the prefill before decoding.")
    var prefillTokens = 4

    @Option(help: "Tokens decoded per run.")
    var decodeTokens = 4

    @Option(help: "Timed runs of each anchor.")
    var anchorRepeats = 5

    @Option(help: ArgumentHelp("Path of llama.cpp's llama-bench executable, run after each of our decode runs.", valueName: "file"))
    var llamaBench: String?

    @Option(help: ArgumentHelp("GGUF file llama-bench decodes (the same weights as --model, in a llama.cpp type).", valueName: "file"))
    var llamaModel: String?

    func validate() throws {
        guard repeats >= 1, decodeTokens >= 1, prefillTokens >= 1 else {
            throw ValidationError("--repeats, --decode-tokens and --prefill-tokens must be at least 1")
        }
        guard (llamaBench == nil) == (llamaModel == nil) else {
            throw ValidationError("--llama-bench and --llama-model go together: the executable and the GGUF file it decodes")
        }
    }

    func run() throws {
        try reportingErrors {
            threading.apply()
            let log = { (line: String) in FileHandle.standardError.write(Data("… \(line)\n".utf8)) }
            log("anchors: sgemv 8192×8192 f32, bf16 kernels 16384×8192")
            let sgemv = BLASAnchors.sgemv(rows: 8192, columns: 8192, repeats: anchorRepeats)
            let kernels = BFloat16KernelAnchors.measure(rows: 16384, columns: 8192, repeats: anchorRepeats)
            var bench = ModelDecodeBenchmark(path: model)
            (bench.prefillTokens, bench.decodeTokens, bench.repeats) = (prefillTokens, decodeTokens, repeats)
            if let llamaBench, let llamaModel { bench.llamaCpp = (llamaBench, llamaModel) }
            let report = try bench.run(progress: log)
            let sgemvAfter = BLASAnchors.sgemv(rows: 8192, columns: 8192, repeats: anchorRepeats)
            let anchor = (sgemv.gigabytesPerSecond + sgemvAfter.gigabytesPerSecond) / 2
            let gb = { (bytes: Int) in String(format: "%.2f GB", Double(bytes) / 1e9) }
            print(
                "megalodon-bench decode: \(model) (\(report.architecture)), \(threading.threads) thread(s), CPU \(CPUDescription.current.model)"
            )
            threading.printMachine()
            print(
                "bf16 matvec kernel \(BFloat16MatVec.Variant.selected) (available: \(kernels.map { String(format: "%@ %.1f GB/s", $0.variant.description, $0.gigabytesPerSecond) }.joined(separator: ", ")))"
            )
            print("| measurement | value |")
            print("|---|---|")
            print(String(format: "| open (mmap) | %.1f s, resident after open %@ |", report.loadSeconds, gb(report.residentAfterLoad)))
            print(String(format: "| prefill %d tokens (cold pages) | %.1f s |", prefillTokens, report.prefillSeconds))
            print(
                String(
                    format: "| decode | %.3f tok/s, %.0f ms/token (median of %d; min %.0f, max %.0f) |", report.tokensPerSecond,
                    1000 * report.decodePerToken.median, report.decodePerToken.samples.count, 1000 * report.decodePerToken.minimum,
                    1000 * report.decodePerToken.maximum))
            print(String(format: "| weights read per token | %@ |", gb(report.weightBytesPerToken)))
            print(String(format: "| decode weight bandwidth | %.1f GB/s |", report.weightGBPerSecond))
            print(
                String(
                    format: "| sgemv anchor (before / after) | %.1f / %.1f GB/s |", sgemv.gigabytesPerSecond, sgemvAfter.gigabytesPerSecond)
            )
            print(String(format: "| decode / sgemv | %.2f |", report.weightGBPerSecond / anchor))
            if let llamaModel, let rounds = report.llamaCppRounds {
                let list = { (values: [Double]) in values.map { String(format: "%.2f", $0) }.joined(separator: ", ") }
                print(
                    "| llama.cpp tg\(decodeTokens) on \(URL(fileURLWithPath: llamaModel).lastPathComponent), paired rounds | \(list(rounds.theirs)) tok/s (ours \(list(rounds.ours))) |"
                )
                print(
                    String(
                        format: "| ours / llama.cpp | %.2f (median of %d paired rounds; ours faster in %d) |", rounds.medianRatio,
                        rounds.ratios.count, rounds.oursFaster))
            }
            print(String(format: "| peak RSS | %@ |", gb(report.peakResidentBytes)))
        }
    }
}
