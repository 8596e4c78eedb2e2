import ArgumentParser
import Benchmarks
import CommandSupport
import Foundation
import Models
import Tensors

struct MegalodonBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon",
        abstract: "Prefill and decode speed of the MEGALODON engine on a random-weight model.",
        usage: "megalodon-bench megalodon [<options>]",
        discussion:
            "Prefill feeds --prefill-tokens tokens in one call and reports tokens/s and GFLOP/s (matrix products plus attention) next to OpenBLAS sgemm on the value-projection shape. Decode generates --decode-tokens tokens one call each and reports tokens/s and the weight bytes streamed per second next to sgemv on a 256 MiB matrix. The context rows decode after a stream of 4K, 64K and 1M tokens: whole chunks before the current one leave only fixed-size state behind (EMA and norm statistics), so they are advanced by count and the current chunk is half filled by real prefill; the flat cost per token is MEGALODON's bounded-memory property, and peak RSS is reported alongside."
    )

    @Option(help: ArgumentHelp("Model shape: one of \(MegalodonConfig.presetNames.joined(separator: ", ")).", valueName: "name"))
    var preset = "mega200M"

    @Option(help: ArgumentHelp("Storage type of the weight matrices: f32, f16 or bf16.", valueName: "dtype"))
    var dtype = "f32"

    @OptionGroup var threading: BenchThreadOptions
    var threads: Int { threading.threads }

    @Option(help: "Timed runs per measurement; the median is reported.")
    var repeats = 5

    @Option(help: "Tokens in the timed prefill call.")
    var prefillTokens = 512

    @Option(help: "Tokens generated per timed decode run.")
    var decodeTokens = 16

    func validate() throws {
        guard repeats >= 1, prefillTokens >= 1, decodeTokens >= 1 else {
            throw ValidationError("--repeats, --prefill-tokens and --decode-tokens must be at least 1")
        }
        guard ["f32", "f16", "bf16"].contains(dtype) else { throw ValidationError("--dtype must be f32, f16 or bf16") }
    }

    func run() throws {
        try reportingErrors {
            threading.apply()
            var bench = MegalodonBenchmark(config: try MegalodonConfig.preset(preset))
            bench.matrixDType = DType(rawValue: dtype.uppercased()) ?? .f32
            (bench.repeats, bench.prefillTokens, bench.decodeTokens) = (repeats, prefillTokens, decodeTokens)
            let report = try bench.run { FileHandle.standardError.write(Data("… \($0)\n".utf8)) }
            let gib = { (bytes: Int) in ByteCountText.format(Double(bytes)) }
            print(
                "megalodon-bench megalodon: \(preset), \(dtype) weights (random), \(threads) thread(s), median of \(repeats), OpenBLAS kernels \(BLAS.coreName)"
            )
            threading.printMachine()
            print(
                String(
                    format: "model built in %.1f s; weights read per decoded token: %@", report.loadSeconds, gib(report.weightBytesPerToken)
                ))
            print("| measurement | engine | anchor | ratio |")
            print("|---|---|---|---|")
            print(
                String(
                    format: "| prefill %d tokens | %.1f tok/s, %.1f GFLOP/s | sgemm [%d×%d]·[%d×%d]ᵀ %.1f GFLOP/s | %.2f |",
                    prefillTokens, report.prefillTokensPerSecond, report.prefillGFLOPs, prefillTokens, bench.config.modelDim,
                    bench.config.valueDim, bench.config.modelDim, report.sgemmGFLOPs, report.prefillGFLOPs / report.sgemmGFLOPs))
            print(
                String(
                    format:
                        "| decode (after %d tokens) | %.2f tok/s, %.1f ms/token, %.1f GB/s of weights | sgemv 8192×8192 %.1f GB/s | %.2f |",
                    prefillTokens, report.decodeTokensPerSecond, 1000 * report.decodePerToken.median, report.decodeWeightGBPerSecond,
                    report.sgemvGBPerSecond, report.decodeWeightGBPerSecond / report.sgemvGBPerSecond))
            print("| decode at context | ms/token (median, min–max) | peak RSS |")
            print("|---|---|---|")
            for row in report.contexts {
                let t = row.secondsPerToken
                print(
                    String(
                        format: "| %d | %.1f (%.1f–%.1f) | %@ |", row.context, 1000 * t.median, 1000 * t.minimum, 1000 * t.maximum,
                        gib(row.peakResidentBytes)))
            }
        }
    }
}
