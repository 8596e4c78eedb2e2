import ArgumentParser
import Checkpoints
import CommandSupport
import Conversion
import Foundation
import Models
import Tensors

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a freshly initialised model (random weights with the official initialisation statistics).",
        usage: "megalodon-convert init --preset <name> --output <dir> [<options>]",
        discussion: """
            For testing the tools at full size when no trained weights can be had. The weights are drawn as the official training code draws them before training: MEGALODON as XuezheMax/megalodon (init_mode 'he': kaiming normal a=sqrt(5) for internal linears, truncated normal std 1/sqrt(D) for the embedding and head, the CEMA's own initialisation, zero "+1"-offset norms), Llama 2 with the Hugging Face statistics (normal 0.02, unit RMSNorm weights). Values depend only on --seed and the tensor name (not on --official-shards), so every form of one seed holds the same model.

            Presets: mega7.3B, mega7.1B (official ModelStore shapes, vocabulary 32000), llama2-7b (Meta's Llama-2-7B shape), and debug-small / debug-small-llama (tiny shapes for tests).

            Output forms:
              a model directory (config.json + safetensors), the default;
              with --official-shards N (1, 2, 4, ...): an official model-parallel training folder —
              MEGALODON: config.json, consolidate_config.json, consolidated.pth or consolidated.NN.pth;
              Llama: params.json and consolidated.NN.pth — each rank file a torch.save state dict split
              along the official axes.

            Tensors are generated and written one at a time (one slice per rank file), so memory stays near the largest tensor.

            Examples:
              megalodon-convert init --preset mega7.3B --dtype bf16 --seed 1 -o models/mega7.3B-mp4 --official-shards 4
              megalodon-convert init --preset llama2-7b --dtype bf16 --seed 1 -o models/llama2-7b
            """)

    @Option(help: ArgumentHelp("Model shape: \(InitialModel.presetNames.joined(separator: ", ")).", valueName: "name"))
    var preset: String

    @Option(help: ArgumentHelp("Storage type of floating-point tensors: f32, f16 or bf16.", valueName: "dtype"))
    var dtype = "bf16"

    @Option(help: "Random seed; one seed gives the same weights in every output form.")
    var seed: UInt64 = 0

    @Option(name: [.short, .long], help: ArgumentHelp("The folder to write.", valueName: "dir"))
    var output: String

    @Option(
        help: ArgumentHelp(
            "Write an official model-parallel training folder with this many rank files instead of a model directory.", valueName: "N"))
    var officialShards: Int?

    @Option(help: ArgumentHelp("Model directory only: split safetensors into shards of at most this size (e.g. 5GB).", valueName: "size"))
    var maxShardSize: String?

    @Flag(help: "Replace an existing output.")
    var force = false

    func validate() throws {
        guard ["f32", "f16", "bf16"].contains(dtype.lowercased()) else {
            throw ValidationError("--dtype must be f32, f16 or bf16 (got \(dtype))")
        }
        if let officialShards, !(1...ModelParallelCheckpoint.maxRanks).contains(officialShards) {
            throw ValidationError("--official-shards must be from 1 to \(ModelParallelCheckpoint.maxRanks)")
        }
        if let maxShardSize, ByteSize.parse(maxShardSize) == nil {
            throw ValidationError("--max-shard-size must be a size such as 5GB (got \(maxShardSize))")
        }
    }

    func run() throws {
        AllocatorTuning.returnFreedMemory()
        try reportingErrors {
            let model = try InitialModel(preset: preset)
            guard let storage = DType(rawValue: dtype.uppercased()) else { return }
            let weights = model.weights(seed: seed, dtype: storage)
            let total = weights.tensorInfos.reduce(0) { $0 + $1.byteCount }
            let writing = ProgressReporter("initialising \(preset) → \(output)", total: total, unit: .bytes)
            if let ranks = officialShards {
                var writer = try model.officialWriter(ranks: ranks)
                writer.overwrite = force
                writer.progress = ConvertSubcommand.reporting(to: writing)
                try writer.write(weights, to: output, configFiles: model.officialConfigFiles(ranks: ranks, dtype: storage))
            } else {
                let configuration = try model.modelConfiguration()
                var conversion = try Conversion(
                    input: CheckpointInput(generated: weights, configuration: configuration),
                    kind: .directory, names: .canonical, dtype: storage)
                conversion.overwrite = force
                conversion.maximumShardSize = maxShardSize.flatMap(ByteSize.parse) ?? Int.max
                try conversion.write(to: output, progress: ConvertSubcommand.reporting(to: writing))
            }
            writing.finish()
            print(
                "wrote \(output) (\(preset), seed \(seed), \(model.parameterCount) parameters, \(ByteCountText.format(Double(total))) \(storage.rawValue.lowercased())\(officialShards.map { ", \($0) official rank file(s)" } ?? ""))"
            )
        }
    }
}
