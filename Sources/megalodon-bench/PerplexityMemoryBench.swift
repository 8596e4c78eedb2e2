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
        discussion: "Scores one segment of each --contexts length (random tokens, BOS first, one streaming pass, logits --rows-per-call positions at a time) exactly as `megalodon-eval perplexity` does, and prints after each length the peak resident memory of the process so far, the current resident memory and the throughput. MEGALODON keeps only fixed-size state between attention chunks, so the peak should stay flat as L grows by 512x. --save-model writes the random model (config.json + model.safetensors) to a folder, so megalodon-eval can be tried on it. Example: megalodon-bench perplexity-memory --model-dim 128 --layers 2 --contexts 4K,64K,1M,2M")

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

    func config() throws -> MegalodonConfig {
        var c = MegalodonConfig()
        (c.numLayers, c.modelDim, c.zDim, c.valueDim, c.numHeads) = (layers, modelDim, modelDim / 4, modelDim * 2, 1)
        (c.ffnHiddenDim, c.cemaNdim, c.chunkSize, c.normNumGroups, c.vocabSize) = (modelDim * 2, 4, chunkSize, 4, vocabSize)
        c.swiglu = true
        try c.validate()
        return c
    }

    func run() throws {
        try reportingErrors {
            threading.apply()
            let lengths = try contexts.split(separator: ",").map { part -> Int in
                let text = part.uppercased()
                let multiplier = text.hasSuffix("K") ? 1 << 10 : text.hasSuffix("M") ? 1 << 20 : 1
                guard let value = Int(multiplier == 1 ? text : String(text.dropLast())), value > 0 else {
                    throw ToolFailure("--contexts: \"\(part)\" is not a positive token count")
                }
                return value * multiplier
            }
            let config = try config()
            let weights = RandomMegalodonWeights(config: config, seed: 1)
            if let saveModel {
                try FileManager.default.createDirectory(atPath: saveModel, withIntermediateDirectories: true)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try AtomicOutput.writeFile(at: saveModel + "/config.json", overwrite: true) { try $0.write(Array(try encoder.encode(config))) }
                try SafetensorsWriter.write(to: saveModel + "/model.safetensors", copying: weights, overwrite: true)
            }
            let model = try MegalodonModel(config: config, weights: weights)
            let perplexity = LongContextPerplexity(model: model, beginningOfSequence: 1, rowsPerCall: rowsPerCall)
            var generator = SplitMix64(seed: 2)
            let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1048576) }
            print("megalodon-bench perplexity-memory: \(layers) layers, width \(modelDim), chunk \(chunkSize), vocabulary \(vocabSize), \(threads) thread(s), \(rowsPerCall) logit rows per call")
            print("| context | PPL (random model) | seconds | tokens/s | peak RSS so far | current RSS |")
            print("|---:|---:|---:|---:|---:|---:|")
            // One token buffer for all lengths, made first, so the peak compares the model's memory only.
            let tokens = (0..<(lengths.max() ?? 0)).map { _ in Int.random(in: 3..<vocabSize, using: &generator) }
            for length in lengths {
                let (nll, seconds) = try Timing.seconds { try perplexity.negativeLogLikelihood(of: tokens[..<length]) }
                print(String(format: "| %@ | %.2f | %.1f | %.0f | %@ | %@ |", ResultsTable.shortLength(length), exp(nll / Double(length)), seconds,
                             Double(length) / seconds, mib(PeakMemory.bytes), mib(Self.currentResidentBytes)))
                fflush(stdout)
            }
        }
    }
}

extension PerplexityMemoryBench {
    /// Resident set size now, from /proc/self/statm (pages × page size); 0 where unavailable.
    static var currentResidentBytes: Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
