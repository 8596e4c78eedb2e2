import Checkpoints
import Foundation
import Tensors

/// Builds a `MegalodonModel` from any `TensorSource` holding official or megalodon-jax names, strictly:
/// the key set and every shape are checked against the config first. Matrices stay as stored, float or
/// quantized (see `MatrixReader`, `WeightMatrix`); small vectors (norm weights, biases, CEMA parameters) become f32.
extension MegalodonModel {
    /// `arithmetic` chooses how quantized matrices compute (integer kernels unless the caller asks for float).
    public init(config: MegalodonConfig, weights source: TensorSource, arithmetic: QuantizedArithmetic = .integer) throws {
        try config.validate()
        let matrices = try MatrixReader(source, arithmetic: arithmetic)
        let naming = MegalodonNaming.detect(matrices)
        try Self.schema(config, naming).check(source, quantized: matrices.manifest)
        let reader = MegalodonTensorReader(source: source, matrices: matrices, naming: naming)

        let embedding = try reader.matrix("embed.weight")
        var output = embedding
        if config.shareEmb {
            try reader.requireTiedHead()
        } else {
            output = try reader.matrix("output.output.weight")
        }
        let rotary: RotaryEmbedding
        if naming == .official {
            rotary = RotaryEmbedding(inverseFrequencies: try reader.floats("rope.freqs"))
            try reader.checkFrequencies(rotary, against: RotaryEmbedding(dimension: config.zHeadDim, base: config.effectiveRopeBase))
        } else {
            rotary = RotaryEmbedding(dimension: config.zHeadDim, base: config.effectiveRopeBase)
        }
        let blocks = try (0..<config.numLayers).map { try reader.block($0, config: config, rotary: rotary) }
        let finalNorm = try reader.timestepNorm("output.final_norm", config: config)
        self.init(config: config, embedding: embedding, blocks: blocks, finalNorm: finalNorm, output: output)
    }

    static func schema(_ c: MegalodonConfig, _ naming: MegalodonNaming) -> CheckpointSchema {
        let (d, z, e, f, n, g) = (c.modelDim, c.zDim, c.valueDim, c.ffnHiddenDim, c.cemaNdim, c.normNumGroups)
        var schema = CheckpointSchema()
        let key = naming.key
        func timestepNorm(_ prefix: String) {
            schema.tensor(key(prefix + ".weight"), [d])
            schema.tensor(key(prefix + ".bias"), [d])
            if naming == .official {
                schema.tensor(prefix + ".prior_count", [])
                schema.tensor(prefix + ".prior_mean", [g])
                schema.tensor(prefix + ".prior_logv", [g])
            }
        }
        schema.matrix(key("embed.weight"), c.vocabSize, d)
        if naming == .official { schema.tensor("rope.freqs", [c.zHeadDim / 2]) }
        for layer in 0..<c.numLayers {
            let mega = "layers.\(layer).mega", ffn = "layers.\(layer).nffn"
            timestepNorm(mega + ".timenorm")
            schema.tensor(key(mega + ".cema.alpha"), [d, n, 1])
            schema.tensor(key(mega + ".cema.delta"), [d, n, 1])
            schema.tensor(key(mega + ".cema.theta"), [d, 1, 1])
            if naming == .official {
                schema.tensor(mega + ".cema.gamma", [d, n, 2])
                schema.tensor(mega + ".cema.omega", [d, 1])
            } else {
                schema.tensor(key(mega + ".cema.gamma_real"), [d, n])
                schema.tensor(key(mega + ".cema.gamma_imag"), [d, n])
                schema.tensor(key(mega + ".cema.omega"), [d])
            }
            if c.normAffine { schema.tensor(key(mega + ".rmsnorm.weight"), [d]) }
            for (name, outputs, inputs) in [("wz", z, d), ("wv", e, d), ("wr", e, d), ("wh1", d, d)] {
                schema.matrix(key("\(mega).\(name).weight"), outputs, inputs)
                schema.tensor(key("\(mega).\(name).bias"), [outputs])
            }
            schema.matrix(key(mega + ".wh2.weight"), d, e)
            schema.tensor(key(mega + ".gamma"), [2, z])
            schema.tensor(key(mega + ".beta"), [2, z])
            if c.normAffine {
                schema.tensor(key(ffn + ".norm.weight"), [d])
                schema.tensor(key(ffn + ".norm.bias"), [d])
            }
            schema.matrix(key(ffn + ".fc1.weight"), f, d)
            schema.matrix(key(ffn + ".fc2.weight"), d, f)
            if c.swiglu { schema.matrix(key(ffn + ".fc3.weight"), f, d) }
            if c.rescaleNffn { schema.tensor(key(ffn + ".alpha"), [d]) }
        }
        timestepNorm("output.final_norm")
        // The official state dict lists a tied head under its own key too; converters may drop it.
        if !c.shareEmb || naming == .official {
            schema.matrix(key("output.output.weight"), c.outputVocabularySize, d, optional: c.shareEmb)
        }
        return schema
    }
}

/// Reads tensors by official name once the schema has been checked.
private struct MegalodonTensorReader {
    let source: TensorSource
    let matrices: MatrixReader
    let naming: MegalodonNaming

    func matrix(_ name: String) throws -> WeightMatrix {
        try matrices.matrix(naming.key(name))
    }

    func floats(_ name: String) throws -> [Float] {
        try source.tensor(named: naming.key(name)).floats()
    }

    /// `stored + 1`: the official norms and Q/K scales store an offset from one.
    func offsetFromOne(_ name: String) throws -> [Float] {
        try floats(name).map { $0 + 1 }
    }

    func linear(_ name: String, bias: Bool = true) throws -> Linear {
        Linear(weight: try matrix(name + ".weight"), bias: bias ? try floats(name + ".bias") : nil)
    }

    func timestepNorm(_ prefix: String, config: MegalodonConfig) throws -> TimestepNorm {
        var prior = TimestepNormState(
            count: 0, mean: .init(repeating: 0, count: config.normNumGroups),
            variance: .init(repeating: 1, count: config.normNumGroups))
        if naming == .official {
            let count = try floats(prefix + ".prior_count")[0]
            guard count >= 0, count == count.rounded() else {
                throw WeightLoadingError.inconsistent(
                    location: source.location, tensor: prefix + ".prior_count", reason: "must be a count, found \(count)")
            }
            prior.count = Int(count)
            prior.mean = try floats(prefix + ".prior_mean").map(Double.init)
            prior.variance = try floats(prefix + ".prior_logv").map { exp(Double($0)) }
        }
        return TimestepNorm(
            scale: try offsetFromOne(prefix + ".weight"), bias: try floats(prefix + ".bias"),
            groups: config.normNumGroups, eps: config.normEps, prior: prior)
    }

    func block(_ index: Int, config c: MegalodonConfig, rotary: RotaryEmbedding) throws -> MegalodonBlock {
        let mega = "layers.\(index).mega", ffn = "layers.\(index).nffn"
        let gammaReal: [Float], gammaImaginary: [Float], omega: [Float]
        if naming == .official {
            let gamma = try floats(mega + ".cema.gamma")
            gammaReal = stride(from: 0, to: gamma.count, by: 2).map { gamma[$0] }
            gammaImaginary = stride(from: 1, to: gamma.count, by: 2).map { gamma[$0] }
            omega = try floats(mega + ".cema.omega")
        } else {
            gammaReal = try floats(mega + ".cema.gamma_real")
            gammaImaginary = try floats(mega + ".cema.gamma_imag")
            omega = try floats(mega + ".cema.omega")
        }
        let ema = ComplexEMA(
            alpha: try floats(mega + ".cema.alpha"), delta: try floats(mega + ".cema.delta"),
            theta: try floats(mega + ".cema.theta"), gammaReal: gammaReal, gammaImaginary: gammaImaginary,
            omega: omega, orders: c.cemaNdim)
        let headScale = 1 / Float(c.zHeadDim).squareRoot()
        let gamma = try offsetFromOne(mega + ".gamma").map { $0 * headScale }
        let beta = try floats(mega + ".beta")
        let z = c.zDim
        let feedForward = NormalizedFeedForward(
            normScale: c.normAffine ? try offsetFromOne(ffn + ".norm.weight") : nil,
            normBias: c.normAffine ? try floats(ffn + ".norm.bias") : nil,
            network: SiLUFeedForward(
                gate: try linear(ffn + ".fc1", bias: false), up: c.swiglu ? try linear(ffn + ".fc3", bias: false) : nil,
                down: try linear(ffn + ".fc2", bias: false)),
            outputScale: c.rescaleNffn ? try floats(ffn + ".alpha") : nil, eps: c.normEps)
        return MegalodonBlock(
            index: index, timestepNorm: try timestepNorm(mega + ".timenorm", config: c), ema: ema,
            emaNormScale: c.normAffine ? try offsetFromOne(mega + ".rmsnorm.weight") : nil,
            wz: try linear(mega + ".wz"), wv: try linear(mega + ".wv"), wr: try linear(mega + ".wr"),
            wh1: try linear(mega + ".wh1"), wh2: try linear(mega + ".wh2", bias: false),
            queryScale: Array(gamma[0..<z]), queryBias: Array(beta[0..<z]),
            keyScale: Array(gamma[z..<2 * z]), keyBias: Array(beta[z..<2 * z]),
            attention: ChunkAttention(
                heads: c.numHeads, keyHeadDim: c.zHeadDim, valueHeadDim: c.valueHeadDim,
                chunkSize: c.chunkSize, rotary: rotary),
            feedForward: feedForward, eps: c.normEps)
    }

    /// A tied head stored under its own key must be the embedding, bit for bit.
    func requireTiedHead() throws {
        try matrices.requireIdentical(
            naming.key("output.output.weight"), to: naming.key("embed.weight"),
            because: "share_emb is set")
    }

    /// The stored RoPE frequencies are what the official code uses; they must belong to the config's
    /// base (bf16 checkpoints round them, hence the loose tolerance).
    func checkFrequencies(_ stored: RotaryEmbedding, against expected: RotaryEmbedding) throws {
        for (s, e) in zip(stored.inverseFrequencies, expected.inverseFrequencies) where !(abs(s - e) <= 1e-2 * e) {
            throw WeightLoadingError.inconsistent(
                location: source.location, tensor: "rope.freqs",
                reason: "stored frequency \(s) does not belong to the config's rope_base (expected \(e))")
        }
    }
}
