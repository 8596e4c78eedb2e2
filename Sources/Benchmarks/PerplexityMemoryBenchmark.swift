import Checkpoints
import Evaluation
import Foundation
import Models
import Tensors

/// Peak memory of long-context perplexity on a random-weight MEGALODON model: one segment of each
/// context length scored as `megalodon-eval perplexity` scores it (BOS first, one streaming pass),
/// with the process's peak and current resident memory after each.
public struct PerplexityMemoryBenchmark {
    public let config: MegalodonConfig
    public let weights: RandomMegalodonWeights
    public var rowsPerCall = 256

    /// A model `modelDim` wide (z_dim = width/4, value_dim = 2·width, ffn = 2·width, one head) with
    /// `layers` blocks.
    public init(modelDim: Int, layers: Int, chunkSize: Int, vocabSize: Int) throws {
        var c = MegalodonConfig()
        (c.numLayers, c.modelDim, c.zDim, c.valueDim, c.numHeads) = (layers, modelDim, modelDim / 4, modelDim * 2, 1)
        (c.ffnHiddenDim, c.cemaNdim, c.chunkSize, c.normNumGroups, c.vocabSize) = (modelDim * 2, 4, chunkSize, 4, vocabSize)
        c.swiglu = true
        try c.validate()
        config = c
        weights = RandomMegalodonWeights(config: c, seed: 1)
    }

    /// Writes the random model as a model directory (config.json + model.safetensors).
    public func saveModel(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicOutput.writeFile(at: folder + "/config.json", overwrite: true) { try $0.write(Array(try encoder.encode(config))) }
        try SafetensorsWriter.write(to: folder + "/model.safetensors", copying: weights, overwrite: true)
    }

    public struct Row: Sendable {
        public var context: Int
        public var perplexity: Double
        public var seconds: Double
        public var peakResidentBytes: Int
        public var currentResidentBytes: Int
        public var tokensPerSecond: Double { Double(context) / seconds }
    }

    /// Scores one segment of each length in `contexts`, handing each row over as soon as measured.
    public func run(contexts: [Int], row: (Row) -> Void) throws {
        let model = try MegalodonModel(config: config, weights: weights)
        let perplexity = LongContextPerplexity(model: model, beginningOfSequence: 1, rowsPerCall: rowsPerCall)
        var generator = SplitMix64(seed: 2)
        // One token buffer for all lengths, made first, so the peak compares the model's memory only.
        let tokens = (0..<(contexts.max() ?? 0)).map { _ in Int.random(in: 3..<config.vocabSize, using: &generator) }
        for length in contexts {
            let (nll, seconds) = try Timing.seconds { try perplexity.negativeLogLikelihood(of: tokens[..<length]) }
            row(
                Row(
                    context: length, perplexity: exp(nll / Double(length)), seconds: seconds, peakResidentBytes: PeakMemory.bytes,
                    currentResidentBytes: PeakMemory.currentResidentBytes))
        }
    }
}
