import ArgumentParser
import Benchmarks
import Checkpoints
import CommandSupport
import Evaluation
import Foundation
import Models
import Tensors
import Tokenizers

struct PerplexityMemoryBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity-memory",
        abstract: "Peak memory of long-context perplexity from 4K to 2M tokens on a random-weight MEGALODON model.",
        usage: "megalodon-bench perplexity-memory [<options>]",
        discussion:
            "Scores one segment of each --contexts length (random tokens, BOS first, one streaming pass, logits --rows-per-call positions at a time) exactly as `megalodon-eval perplexity` does, and prints after each length the peak resident memory of the process so far, the current resident memory and the throughput. MEGALODON keeps only fixed-size state between attention chunks, so the peak should stay flat as L grows by 512x. --save-model writes the random model (config.json + model.safetensors) to a folder, so megalodon-eval can be tried on it. Example: megalodon-bench perplexity-memory --model-dim 128 --layers 2 --contexts 4K,64K,1M,2M"
    )

    @Option(help: "Model width (z_dim = width/4, value_dim = 2·width, ffn = 2·width).")
    var modelDim = 128

    @Option(help: "Number of MEGALODON blocks.")
    var layers = 2

    @Option(help: "Attention chunk length.")
    var chunkSize = 256

    @Option(help: "Vocabulary size (32000 as the Llama-2 tokenizer).")
    var vocabSize = 32000

    @Option(help: ArgumentHelp("Context lengths, comma-separated; K and M suffixes count 1024 and 1048576.", valueName: "list"))
    var contexts = "4K,8K,16K,32K,64K,128K,256K,512K,1M,2M"

    @Option(help: "Positions whose logits are computed per model call.")
    var rowsPerCall = 256

    @OptionGroup var threading: BenchThreadOptions
    var threads: Int { threading.threads }

    @Option(help: ArgumentHelp("Also write the random model to this folder (config.json + model.safetensors).", valueName: "dir"))
    var saveModel: String?

    func run() throws {
        try reportingErrors {
            threading.apply()
            let lengths = try TokenCountList.parse(contexts, option: "--contexts")
            var bench = try PerplexityMemoryBenchmark(modelDim: modelDim, layers: layers, chunkSize: chunkSize, vocabSize: vocabSize)
            bench.rowsPerCall = rowsPerCall
            if let saveModel { try bench.saveModel(to: saveModel) }
            let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1048576) }
            print(
                "megalodon-bench perplexity-memory: \(layers) layers, width \(modelDim), chunk \(chunkSize), vocabulary \(vocabSize), \(threads) thread(s), \(rowsPerCall) logit rows per call"
            )
            threading.printMachine()
            print("| context | PPL (random model) | seconds | tokens/s | peak RSS so far | current RSS |")
            print("|---:|---:|---:|---:|---:|---:|")
            try bench.run(contexts: lengths) { row in
                print(
                    String(
                        format: "| %@ | %.2f | %.1f | %.0f | %@ | %@ |", ResultsTable.shortLength(row.context), row.perplexity, row.seconds,
                        row.tokensPerSecond, mib(row.peakResidentBytes), mib(row.currentResidentBytes)))
                fflush(stdout)
            }
        }
    }
}
