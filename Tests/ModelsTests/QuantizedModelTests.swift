import Checkpoints
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Models
@testable import Quantization

/// Writing a checkpoint as a quantized model directory (formats/quantized-safetensors.md) the way
/// megalodon-quantize does, for the engine tests.
enum QuantizedDirectory {
    /// Quantizes every tensor `policy` selects and writes `model.safetensors` (with the manifest) and
    /// `config.json` into a fresh folder.
    static func write(_ source: TensorSource, policy: QuantizationPolicy, config: Data, name: String) throws -> URL {
        let folder = try SharedFiles.temporaryDirectory(name)
        var manifest = QuantizationManifest()
        var tensors: [(name: String, tensor: Tensor)] = []
        let family = Architectures.convention(of: source.tensorNames).family
        for info in source.tensorInfos {
            let tensor = try source.tensor(named: info.name)
            let role = Architectures.quantizationRole(of: info.name, family: family)
            guard case let .quantize(scheme) = policy.decide(name: info.name, shape: info.shape, role: role) else {
                tensors.append((info.name, tensor))
                continue
            }
            let matrix = try Quantizer.quantize(tensor, scheme: scheme, name: info.name)
            manifest.tensors[info.name] = matrix.layout
            tensors += try QuantizedCheckpointLayout.tensors(for: matrix, weightName: info.name)
        }
        let byName = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor) })
        try SafetensorsWriter.write(
            to: folder.appendingPathComponent("model.safetensors").path,
            tensors: tensors.map { TensorInfo(name: $0.name, dtype: $0.tensor.dtype, shape: $0.tensor.shape) },
            metadata: [(QuantizationManifest.metadataKey, manifest.metadataValue)], overwrite: false
        ) {
            byName[$0.name]!
        }
        try config.write(to: folder.appendingPathComponent("config.json"))
        return folder
    }

    /// The schemes the engine tests run: every ggml type and every grouped family (int8 and int4,
    /// symmetric and asymmetric, f16 and f32 scales, per-row and grouped).
    static let schemes = ["q8_0", "q4_0", "q4_1", "int8-g32", "int8-row", "int8-g64-asym", "int4-g32", "int4-g128-sym-f32"]
}

/// Logits of `model` for a prefill of `prefill` (every position) followed by `decode` fed one token per call.
func prefillAndDecodeLogits<Model: LanguageModel>(
    _ model: Model, prefill: [Int], decode: [Int]
) throws -> (prefill: [Float], decode: [Float]) {
    var state = model.makeState()
    let first = try model.forward(prefill, state: &state, positions: .all).values
    var rest: [Float] = []
    for token in decode { rest += try model.forward([token], state: &state, positions: .last).values }
    return (first, rest)
}

@Suite("quantized models")
struct QuantizedModelTests {
    /// Row lengths that are whole ggml blocks, so every scheme quantizes every matrix.
    static let llamaConfig = LlamaConfig(
        vocabSize: 48, hiddenSize: 64, intermediateSize: 96, numLayers: 2, numHeads: 4, numKVHeads: 2,
        ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 256,
        bosTokenID: 1, eosTokenIDs: [2])

    static var megalodonConfig: MegalodonConfig {
        var c = MegalodonConfig()
        (c.numLayers, c.modelDim, c.zDim, c.valueDim, c.numHeads) = (2, 64, 32, 96, 2)
        (c.ffnHiddenDim, c.cemaNdim, c.chunkSize, c.normNumGroups, c.vocabSize) = (96, 4, 8, 4, 64)
        c.swiglu = true
        return c
    }

    static let prompt = [1, 5, 9, 33, 2, 17, 40, 11, 8, 3]
    static let continuation = [12, 30, 7, 21]

    /// Integer kernels against float math on the same codes dequantized: the only difference is the
    /// activations' rounding to int8 blocks (≤ d_a/2 per value, d_a = block amax/127, about 0.4 % of
    /// Σ|w·x| per matmul), compounded through ~7 matmuls per layer of untrained, unnormalised random
    /// weights. Measured max |Δlogit| / max |logit|: 3.0–4.4 % (Llama), see the printout for
    /// MEGALODON; 6 % leaves room for other CPUs' kernel variants.
    static let integerArithmeticTolerance: Float = 0.06
    /// Float arithmetic on dequantized blocks against the f32 engine: summation order only.
    static let floatArithmeticTolerance: Float = 1e-5

    /// Max |Δlogit| / max |logit| of `native` against `reference` over a prefill and a token-by-token decode.
    static func relativeError<Model: LanguageModel>(_ native: Model, _ reference: Model, label: String) throws -> Float {
        let ours = try prefillAndDecodeLogits(native, prefill: prompt, decode: continuation)
        let expected = try prefillAndDecodeLogits(reference, prefill: prompt, decode: continuation)
        let scale = (expected.prefill + expected.decode).map(abs).max() ?? 1
        let worst = max(maxAbsDifference(ours.prefill, expected.prefill), maxAbsDifference(ours.decode, expected.decode))
        print("\(label): max |Δlogit| \(worst) (max |logit| \(scale), relative \(worst / scale))")
        return worst / scale
    }

    @Test(arguments: QuantizedDirectory.schemes)
    func llamaDirectoryMatchesDequantizedRun(scheme: String) throws {
        let policy = QuantizationPolicy(
            scheme: try QuantizationScheme(parsing: scheme), embeddings: try QuantizationScheme(parsing: scheme))
        let folder = try QuantizedDirectory.write(
            try TinyLlama.huggingFaceSource(config: Self.llamaConfig), policy: policy,
            config: Data(TinyLlama.configJSON(Self.llamaConfig).utf8), name: "quantized-llama-\(scheme)")
        let native = try #require(try ModelBundle.open(folder.path).model as? LlamaModel)
        #expect(native.matrixStorage == (try QuantizationScheme(parsing: scheme)).description)
        let reference = try LlamaModel(config: Self.llamaConfig, weights: DequantizedTensorSource(ModelDirectory.open(folder.path)))
        #expect(reference.matrixStorage == "F32")
        let float = try LlamaModel(config: Self.llamaConfig, weights: ModelDirectory.open(folder.path), arithmetic: .float)
        #expect(try Self.relativeError(native, reference, label: "llama \(scheme) integer") <= Self.integerArithmeticTolerance)
        #expect(try Self.relativeError(float, reference, label: "llama \(scheme) float") <= Self.floatArithmeticTolerance)
    }

    @Test(arguments: ["q4_1", "int4-g32"])
    func huggingFaceQuantizedRowsArePermutedWhole(scheme: String) throws {
        // Quantization is per row, so quantizing HF-ordered rows and moving them to the interleaved
        // order at load gives exactly the model quantized from GGUF-ordered rows.
        let policy = QuantizationPolicy(
            scheme: try QuantizationScheme(parsing: scheme), embeddings: try QuantizationScheme(parsing: scheme))
        let config = Data(TinyLlama.configJSON(Self.llamaConfig).utf8)
        let huggingFace = try QuantizedDirectory.write(
            try TinyLlama.huggingFaceSource(config: Self.llamaConfig), policy: policy,
            config: config, name: "quantized-llama-hf")
        let gguf = try QuantizedDirectory.write(
            TinyLlama.ggufSource(config: Self.llamaConfig), policy: policy, config: config,
            name: "quantized-llama-gguf-names")
        let a = try prefillAndDecodeLogits(try LlamaModel(directory: huggingFace), prefill: Self.prompt, decode: Self.continuation)
        let b = try prefillAndDecodeLogits(try LlamaModel(directory: gguf), prefill: Self.prompt, decode: Self.continuation)
        #expect(a.prefill == b.prefill && a.decode == b.decode)
    }

    @Test(arguments: QuantizedDirectory.schemes)
    func megalodonDirectoryMatchesDequantizedRun(scheme: String) throws {
        let config = Self.megalodonConfig
        let policy = QuantizationPolicy(
            scheme: try QuantizationScheme(parsing: scheme), embeddings: try QuantizationScheme(parsing: scheme))
        let folder = try QuantizedDirectory.write(
            RandomMegalodonWeights(config: config, seed: 3), policy: policy,
            config: try JSONEncoder().encode(config), name: "quantized-megalodon-\(scheme)")
        let native = try #require(try ModelBundle.open(folder.path).model as? MegalodonModel)
        let reference = try MegalodonModel(config: config, weights: DequantizedTensorSource(ModelDirectory.open(folder.path)))
        let float = try MegalodonModel(config: config, weights: ModelDirectory.open(folder.path), arithmetic: .float)
        #expect(try Self.relativeError(native, reference, label: "megalodon \(scheme) integer") <= Self.integerArithmeticTolerance)
        #expect(try Self.relativeError(float, reference, label: "megalodon \(scheme) float") <= Self.floatArithmeticTolerance)
    }

    @Test func strictCheckNamesMissingAndMisshapedParts() throws {
        let policy = QuantizationPolicy(scheme: .q8_0)
        let source = TinyLlama.ggufSource(config: Self.llamaConfig)
        let folder = try QuantizedDirectory.write(
            source, policy: policy, config: Data(TinyLlama.configJSON(Self.llamaConfig).utf8),
            name: "quantized-llama-broken")
        let complete = try ModelDirectory.open(folder.path)
        // Drop one part and reshape another, keeping the manifest.
        let broken = InMemoryManifestSource(
            try complete.tensorNames.filter { $0 != "blk.0.attn_k.qweight" }.map { name in
                var tensor = try complete.tensor(named: name)
                if name == "blk.1.ffn_up.qweight" {
                    tensor = try Tensor(dtype: .u8, shape: [tensor.shape[1], tensor.shape[0]], storage: tensor.storage)
                }
                return (name, tensor)
            }, metadata: complete.metadata)
        #expect(
            throws: WeightLoadingError.keyMismatch(
                location: broken.location, missing: ["blk.0.attn_k.qweight"], unexpected: [],
                misshaped: ["blk.1.ffn_up.qweight: U8 [68, 96], expected U8 [96, 68] for q8_0"])
        ) {
            try LlamaModel(config: Self.llamaConfig, weights: broken)
        }
    }
}

/// An in-memory source that carries metadata (the quantization manifest).
final class InMemoryManifestSource: TensorSource, @unchecked Sendable {
    let tensors: [(name: String, tensor: Tensor)]
    let metadata: [String: String]

    init(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    var location: String { "in-memory quantized checkpoint" }
    var tensorInfos: [TensorInfo] { tensors.map { TensorInfo(name: $0.name, dtype: $0.tensor.dtype, shape: $0.tensor.shape) } }

    func tensor(named name: String) throws -> Tensor {
        guard let found = tensors.first(where: { $0.name == name }) else { throw InMemoryTensorSource.LookupFailure.notFound(name) }
        return found.tensor
    }
}
