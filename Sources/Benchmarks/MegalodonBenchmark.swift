import Foundation
import Models
import Tensors

/// Speed of the MEGALODON engine on a random-weight model of a given shape: prefill throughput
/// against sgemm, decode throughput against sgemv bandwidth, and decode cost deep into a stream.
public struct MegalodonBenchmark: Sendable {
    public var config: MegalodonConfig
    public var matrixDType: DType = .f32
    public var repeats = 5
    public var prefillTokens = 512
    public var decodeTokens = 16
    /// Context lengths for the long-stream decode rows (rounded down to whole chunks).
    public var contexts = [4096, 65536, 1 << 20]

    public init(config: MegalodonConfig) { self.config = config }

    public struct ContextRow: Sendable {
        public let context: Int
        public let secondsPerToken: Timing
        public let peakResidentBytes: Int
    }

    public struct Report: Sendable {
        public let loadSeconds: Double
        public let prefill: Timing
        public let prefillTokensPerSecond: Double
        public let prefillGFLOPs: Double
        public let sgemmGFLOPs: Double
        public let decodePerToken: Timing
        public let decodeTokensPerSecond: Double
        public let decodeWeightGBPerSecond: Double
        public let sgemvGBPerSecond: Double
        public let weightBytesPerToken: Int
        public let contexts: [ContextRow]
        public let peakResidentBytes: Int
    }

    /// Matrix elements a token multiplies with (the embedding is a row lookup; the head is a matrix).
    var matrixElementsPerToken: Int {
        let c = config
        let perLayer =
            c.zDim * c.modelDim + 2 * c.valueDim * c.modelDim + c.modelDim * c.modelDim + c.modelDim * c.valueDim
            + (c.swiglu ? 3 : 2) * c.ffnHiddenDim * c.modelDim
        return c.numLayers * perLayer + c.outputVocabularySize * c.modelDim
    }

    /// Score and weighted-sum FLOPs of `rows` tokens attending causally from chunk position 0.
    func attentionFLOPs(rows: Int) -> Double {
        Double(config.numLayers) * Double(rows * (rows + 1)) * Double(config.zDim + config.valueDim)
    }

    public func run(progress: (String) -> Void = { _ in }) throws -> Report {
        let (model, loadSeconds) = try Timing.seconds {
            try MegalodonModel(config: config, weights: RandomMegalodonWeights(config: config, seed: 1, matrixDType: matrixDType))
        }
        var generator = SplitMix64(seed: 2)
        let tokens = (0..<max(prefillTokens, config.chunkSize / 2)).map { _ in Int.random(in: 0..<config.vocabSize, using: &generator) }
        let prompt = Array(tokens.prefix(prefillTokens))

        progress("prefill: \(prefillTokens) tokens × \(repeats)")
        var state = model.makeState()
        let prefill = try Timing.measure(repeats: repeats, prepare: { state = model.makeState() }) {
            _ = try model.forward(prompt, state: &state, positions: .last)
        }
        let prefillFLOPs = 2 * Double(matrixElementsPerToken) * Double(prefillTokens) + attentionFLOPs(rows: prefillTokens)
        progress("sgemm anchor")
        let sgemm = BLASAnchors.sgemm(rows: prefillTokens, inputs: config.modelDim, outputs: config.valueDim, repeats: repeats)

        progress("decode: \(decodeTokens) tokens × \(repeats)")
        let decode = try decodeTiming(model, after: state)
        let weightBytes = matrixElementsPerToken * (matrixDType.byteWidth ?? 4)
        progress("sgemv anchor")
        let sgemv = BLASAnchors.sgemv(rows: 8192, columns: 8192, repeats: repeats)

        // Deep contexts: the last half chunk is real prefill (so attention has rows to read); the
        // whole chunks before it only move the TimestepNorm counts, which is all they would leave
        // behind besides EMA and norm statistics of the same size, so the cost per token is what a
        // true stream of that length would pay.
        var fill = model.makeState()
        _ = try model.forward(Array(tokens.prefix(config.chunkSize / 2)), state: &fill, positions: .none)
        var rows: [ContextRow] = []
        for context in contexts {
            let wholeChunks = context / config.chunkSize * config.chunkSize
            progress("decode at context \(wholeChunks + config.chunkSize / 2)")
            var advanced = fill
            advanced.position += wholeChunks
            for index in advanced.layers.indices { advanced.layers[index].timestepNorm.count += wholeChunks }
            advanced.finalNorm.count += wholeChunks
            rows.append(
                ContextRow(
                    context: advanced.position, secondsPerToken: try decodeTiming(model, after: advanced),
                    peakResidentBytes: PeakMemory.bytes))
        }
        return Report(
            loadSeconds: loadSeconds, prefill: prefill, prefillTokensPerSecond: Double(prefillTokens) / prefill.median,
            prefillGFLOPs: prefillFLOPs / prefill.median / 1e9, sgemmGFLOPs: sgemm.gflops,
            decodePerToken: decode, decodeTokensPerSecond: 1 / decode.median,
            decodeWeightGBPerSecond: Double(weightBytes) / decode.median / 1e9, sgemvGBPerSecond: sgemv.gigabytesPerSecond,
            weightBytesPerToken: weightBytes, contexts: rows, peakResidentBytes: PeakMemory.bytes)
    }

    /// Seconds per generated token, each repeat decoding `decodeTokens` tokens from `start`.
    private func decodeTiming(_ model: MegalodonModel, after start: MegalodonState) throws -> Timing {
        var state = start
        var token = 1
        let total = try Timing.measure(repeats: repeats, prepare: { state = start }) {
            for _ in 0..<decodeTokens {
                let logits = try model.forward([token], state: &state, positions: .last)
                token = TokenSampler.argmax(Array(logits.row(0)))
            }
        }
        return Timing(samples: total.samples.map { $0 / Double(decodeTokens) })
    }
}
