import Checkpoints
import Foundation
import Tensors
import TestSupport
import Testing
import Tokenizers

@testable import Models
@testable import Quantization

/// The engines on quantized weights against float references, at model size (run in release).
@Suite(.serialized)
struct QuantizedEngineParityTests {
    static let smolLM2Path = SharedFiles.cachedModel("SmolLM2-135M-Instruct.Q4_1.gguf")

    /// 86 tokens of ordinary English (the text of scripts/oracles/llama_native_logits.py).
    static let prompt = """
        The old lighthouse keeper climbed the spiral stairs every evening at dusk, carrying a lantern and a small notebook \
        in which he recorded the weather, the ships that passed, and the birds that rested on the railing. Over forty years \
        he had filled nearly two hundred notebooks, and the town's library kept them in a glass case near the entrance. \
        Children who visited often asked him what the sea had taught him, and he always answered that
        """

    static func worst(_ a: [Float], _ b: [Float]) -> Float { maxAbsDifference(a, b) }

    /// SmolLM2-135M-Instruct's Q4_1/Q8_0 blocks run from the mapped file, against the same file
    /// dequantized to f32 on load (the float engine), over a ~100-token prompt in one prefill call
    /// and again token by token.
    @Test(.requires(.smolLM2))
    func smolLM2NativeBlocksMatchDequantizedRun() throws {
        let file = try GGUFFile(path: Self.smolLM2Path)
        let tokenizer = try GGUFTokenizer.load(from: file)
        let tokens = tokenizer.encode(Self.prompt, addBOS: tokenizer.addsBOSByDefault, parseSpecial: false).map(Int.init)
        let native = try SafetensorsFile(path: SharedFiles.tests("ModelsTests/Fixtures/llama/smollm2_native_logits.safetensors").path)
        #expect(tokens == (try native.tensor(named: "tokens").scalars(as: Int64.self).map { Int($0) }))

        let reference = try LlamaModel(config: LlamaConfig(gguf: file), weights: DequantizedTensorSource(file))
        #expect(reference.matrixStorage == "F32")
        let integer = try LlamaModel(gguf: file, arithmetic: .integer)
        #expect(integer.matrixStorage == "q4_1, q8_0")
        let float = try LlamaModel(gguf: file, arithmetic: .float)

        let expected = try prefillAndDecodeLogits(reference, prefill: tokens, decode: tokens)
        let floatRun = try prefillAndDecodeLogits(float, prefill: tokens, decode: tokens)
        let integerRun = try prefillAndDecodeLogits(integer, prefill: tokens, decode: tokens)
        let scale = expected.prefill.map(abs).max() ?? 1
        let (floatPrefill, floatDecode) = (Self.worst(floatRun.prefill, expected.prefill), Self.worst(floatRun.decode, expected.decode))
        let (intPrefill, intDecode) = (Self.worst(integerRun.prefill, expected.prefill), Self.worst(integerRun.decode, expected.decode))
        let vocabulary = reference.vocabularySize
        let argmaxAgreement = (0..<tokens.count).filter { row in
            let slice = { (values: [Float]) in Array(values[row * vocabulary..<(row + 1) * vocabulary]) }
            return TokenSampler.argmax(slice(integerRun.prefill)) == TokenSampler.argmax(slice(expected.prefill))
        }.count
        // llama.cpp's own native run (Q8_1/Q8_0 activations) at its top-16 ids per position and the whole last row.
        let topIDs = try native.tensor(named: "top_ids").scalars(as: Int64.self).map { Int($0) }
        let topLogits = try native.tensor(named: "top_logits").floats()
        let k = topIDs.count / tokens.count
        // The same logits of each run: llama.cpp's top ids per position, then the whole last row.
        let lastStart = (tokens.count - 1) * vocabulary
        let indices = topIDs.enumerated().map { ($0.offset / k) * vocabulary + $0.element } + (lastStart..<lastStart + vocabulary)
        let llamaCpp = topLogits + (try native.tensor(named: "last").floats())
        let ours = indices.map { integerRun.prefill[$0] }, f32 = indices.map { expected.prefill[$0] }
        let versusLlamaCpp = maxAbsDifference(ours, llamaCpp), llamaCppVersusFloat = maxAbsDifference(f32, llamaCpp)
        let integerVersusFloatHere = maxAbsDifference(ours, f32)
        print(
            """
            SmolLM2 native vs dequantized f32 (\(tokens.count) tokens, max |logit| \(scale)):
              float arithmetic on the blocks: prefill max |Δ| \(floatPrefill), decode max |Δ| \(floatDecode)
              integer kernels (int8 activations): prefill max |Δ| \(intPrefill), decode max |Δ| \(intDecode); \
            argmax agrees at \(argmaxAgreement)/\(tokens.count) positions
              on llama.cpp's top-16 ids per position and the last row: our integer kernels vs llama.cpp's native run \
            max |Δ| \(versusLlamaCpp); llama.cpp native vs our f32 run \(llamaCppVersusFloat); our integer vs our f32 run \(integerVersusFloatHere)
            """)
        // Issue 7's criterion, met by the weights as stored (float arithmetic isolates them).
        #expect(floatPrefill <= 1e-3 && floatDecode <= 1e-3)
        // The integer kernels round activations to int8 as llama.cpp does; that alone moves logits by
        // far more than 1e-3 (measured: see the report printed above and BENCHMARKS.md).
        #expect(intPrefill <= Self.smolLM2IntegerBound && intDecode <= Self.smolLM2IntegerBound)
        #expect(versusLlamaCpp <= Self.smolLM2VersusLlamaCppBound)
        #expect(argmaxAgreement >= tokens.count * 9 / 10)
    }

    /// Measured max |Δlogit| of the integer kernels against the f32 run on the prompt above: 1.90 in
    /// prefill, 1.85 in decode (max |logit| 34; llama.cpp's own native run is 0.99 from its f32 run on
    /// the same tokens, see scripts/oracles/llama_native_logits.py). The bound leaves headroom for
    /// other CPUs' kernel variants.
    static let smolLM2IntegerBound: Float = 2.5
    /// Measured max |Δlogit| of the integer kernels against llama.cpp's native run, on its top-16 ids
    /// per position and its last row: 1.12. On the same logits llama.cpp's native run is 0.71 from our
    /// f32 run and our integer run 1.01: both round activations to 8 bits, the rounding noise differs.
    static let smolLM2VersusLlamaCppBound: Float = 1.5

    /// A random-weight MEGALODON model of moderate size, its linear layers quantized to int8 (default
    /// policy: embeddings, norms, CEMA and Q/K affine parameters stay float), against the original f32 logits.
    @Test(arguments: ["q8_0", "int8-g32", "int8-row"])
    func megalodonInt8LogitsStayCloseToFloat(scheme: String) throws {
        var config = MegalodonConfig()
        (config.numLayers, config.modelDim, config.zDim, config.valueDim, config.numHeads) = (4, 256, 64, 512, 2)
        (config.ffnHiddenDim, config.cemaNdim, config.chunkSize, config.normNumGroups, config.vocabSize) = (512, 8, 32, 16, 512)
        config.swiglu = true
        let weights = RandomMegalodonWeights(config: config, seed: 11)
        let folder = try QuantizedDirectory.write(
            weights, policy: QuantizationPolicy(scheme: try QuantizationScheme(parsing: scheme)),
            config: try JSONEncoder().encode(config), name: "megalodon-int8-\(scheme)")
        let quantized = try #require(try ModelBundle.open(folder.path).model as? MegalodonModel)
        let original = try MegalodonModel(config: config, weights: weights)
        let tokens = MegalodonStreamingTests.tokens(96, vocabulary: config.vocabSize, seed: 5)
        let ours = try prefillAndDecodeLogits(quantized, prefill: tokens, decode: Array(tokens.prefix(32)))
        let expected = try prefillAndDecodeLogits(original, prefill: tokens, decode: Array(tokens.prefix(32)))
        let scale = expected.prefill.map(abs).max() ?? 1
        let worst = max(Self.worst(ours.prefill, expected.prefill), Self.worst(ours.decode, expected.decode))
        print("MEGALODON \(scheme) vs f32: max |Δlogit| \(worst), max |logit| \(scale), relative \(worst / scale)")
        #expect(worst / scale <= Self.megalodonInt8RelativeTolerance)
    }

    /// int8 weights (≤ s/2 rounding per weight, s = amax/127 per group or row) plus int8 activations:
    /// measured max |Δlogit| / max |logit| on the model above; see the test's printout.
    static let megalodonInt8RelativeTolerance: Float = 0.05
}
