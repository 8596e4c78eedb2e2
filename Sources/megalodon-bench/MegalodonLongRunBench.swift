import ArgumentParser
import Benchmarks
import CommandSupport
import Foundation
import Models
import Tensors

struct MegalodonLongRunBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon-longrun",
        abstract: "Stream a million real tokens through a small random-weight MEGALODON model and measure drift and memory.",
        usage: "megalodon-bench megalodon-longrun [<options>]",
        discussion:
            "Seeded pseudo-random tokens are fed one attention chunk per call (no logits), --tokens of them and then half a chunk more; there the state is copied and also written to and read back from a state file (it then holds half a chunk of cached keys and values), and one more chunk of tokens is streamed with logits. Those logits are then recomputed from the restored state in one call and token by token, and the largest difference is reported absolute and relative to the largest |logit|: it shows whether a state carried over millions of tokens (EMA recurrences and running norm statistics) stays consistent, and whether the state file restores it exactly. Peak RSS is sampled during the stream at 4K, 64K, 256K and 1M tokens (and 2M with --tokens 2097152 or more) and once more after the comparisons; it should stay flat, because MEGALODON keeps only one chunk of keys and values. Progress with rate and ETA goes to stderr."
    )

    @Option(
        help: ArgumentHelp(
            "Tokens to stream before the snapshot's half chunk and the compared chunk (1048576 = 1M; 2097152 adds the 2M memory sample).",
            valueName: "count"))
    var tokens = 1 << 20

    @OptionGroup var threading: BenchThreadOptions
    var threads: Int { threading.threads }

    @Option(
        help: ArgumentHelp("Where to write the snapshot's state file (default: a temporary file, removed afterwards).", valueName: "path"))
    var stateFile: String?

    func validate() throws {
        guard tokens >= 1 else { throw ValidationError("--tokens must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            threading.apply()
            let config = MegalodonLongRun.smallConfig
            let longRun = MegalodonLongRun(config: config, tokens: tokens)
            let path =
                stateFile
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("megalodon-longrun-\(UUID().uuidString).safetensors").path
            defer { if stateFile == nil { try? FileManager.default.removeItem(atPath: path) } }

            let progress = ProgressReporter("streaming", total: tokens + longRun.snapshotDelay, unit: .tokens)
            var reported = 0
            let report = try longRun.run(stateFile: path) { done in
                progress.advance(by: done - reported)
                reported = done
            }
            progress.finish()

            let bytes = { (count: Int) in ByteCountText.format(Double(count)) }
            let c = config
            print("megalodon-bench megalodon-longrun: \(threads) thread(s), OpenBLAS kernels \(BLAS.coreName)")
            threading.printMachine()
            print(
                "model (random weights, seed \(longRun.weightSeed)): \(c.numLayers) layers, model_dim \(c.modelDim), z_dim \(c.zDim), value_dim \(c.valueDim), heads \(c.numHeads), ffn_hidden_dim \(c.ffnHiddenDim)\(c.swiglu ? " (SwiGLU)" : ""), cema_ndim \(c.cemaNdim), chunk_size \(c.chunkSize), norm groups \(c.normNumGroups), vocab \(c.vocabSize)"
            )
            print(
                String(
                    format: "streamed %d tokens (seed %llu) in %.1f s: %.0f tok/s up to the snapshot, one chunk per call",
                    report.streamedTokens, longRun.tokenSeed, report.streamSeconds, report.tokensPerSecond))
            print(
                "snapshot \(report.comparedTokens) tokens before the end (\(report.snapshotCacheRows) cached attention rows); state file \(bytes(report.stateFileBytes)), restores the in-memory copy \(report.fileRestoresCopyExactly ? "exactly" : "NOT exactly")"
            )
            print(
                String(
                    format: "logits of the last %d tokens: max |logit| %.3f, all finite: %@", report.comparedTokens,
                    report.maxAbsoluteLogit, report.allLogitsFinite ? "yes" : "NO"))
            print("| recomputed from the restored state | max abs Δ | relative to max abs logit |")
            print("|---|---|---|")
            for (name, drift) in [("one call", report.oneCall), ("token by token", report.tokenByToken)] {
                print(String(format: "| %@ | %.3g | %.3g |", name, drift.maxAbsolute, drift.relative))
            }
            print("| tokens streamed | peak RSS |")
            print("|---|---|")
            for sample in report.memory { print("| \(sample.tokens) | \(bytes(sample.peakResidentBytes)) |") }
            print("| after the comparisons | \(bytes(report.finalPeakResidentBytes)) |")
        }
    }
}
