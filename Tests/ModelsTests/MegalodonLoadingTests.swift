import Checkpoints
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Models

@Suite("MEGALODON weight loading")
struct MegalodonLoadingTests {
    @Test("missing, unexpected and mis-shaped keys are all listed in one error")
    func strictKeys() throws {
        let golden = try MegalodonGolden("A_swiglu")
        let source = try InMemoryTensorSource(copying: golden.weights)
        source.remove("layers.1.mega.wz.bias")
        source.set("layers.0.mega.extra", Tensor([Float(1)], shape: [1]))
        source.set("layers.0.nffn.fc1.weight", Tensor([Float](repeating: 0, count: 95 * 64), shape: [95, 64]))
        do {
            _ = try MegalodonModel(config: golden.config, weights: source)
            Issue.record("a broken checkpoint loaded")
        } catch let WeightLoadingError.keyMismatch(_, missing, unexpected, misshaped) {
            #expect(missing == ["layers.1.mega.wz.bias"])
            #expect(unexpected == ["layers.0.mega.extra"])
            #expect(misshaped == ["layers.0.nffn.fc1.weight: shape [95, 64], expected [96, 64]"])
        }
    }

    @Test("a config that disagrees with the weights is a key mismatch, not a crash")
    func configMismatch() throws {
        let golden = try MegalodonGolden("A_swiglu")
        var config = golden.config
        config.swiglu = false
        #expect(throws: WeightLoadingError.self) { try MegalodonModel(config: config, weights: golden.weights) }
    }

    @Test("megalodon-jax names load to the same model", arguments: MegalodonGolden.names)
    func jaxNames(fixture: String) throws {
        let golden = try MegalodonGolden(fixture)
        let jax = try InMemoryTensorSource(copying: golden.weights)
        for name in jax.tensorNames {
            if name.contains("prior_") || name == "rope.freqs" || (golden.config.shareEmb && name == "output.output.weight") {
                jax.remove(name)
            } else if name.hasSuffix("cema.gamma") {
                let gamma = try jax.tensor(named: name)
                let values = try gamma.floats()
                let shape = Array(gamma.shape.dropLast())
                jax.set(name + "_real", Tensor(stride(from: 0, to: values.count, by: 2).map { values[$0] }, shape: shape))
                jax.set(name + "_imag", Tensor(stride(from: 1, to: values.count, by: 2).map { values[$0] }, shape: shape))
                jax.remove(name)
            } else if name.hasSuffix("cema.omega") {
                let omega = try jax.tensor(named: name)
                jax.set(name, Tensor(try omega.floats(), shape: [omega.shape[0]]))
            }
        }
        jax.rename { MegalodonNaming.jax.key($0) }
        #expect(jax.contains("model.layers.0.attn.rmsnorm.gamma") && jax.contains("model.norm.weight"))
        let reference = try golden.model(), converted = try MegalodonModel(config: golden.config, weights: jax)
        let tokens = try golden.tokenRows()[0]
        var a = reference.makeState(), b = converted.makeState()
        let expected = try reference.forward(tokens, state: &a, positions: .all)
        #expect(try converted.forward(tokens, state: &b, positions: .all) == expected)
    }

    @Test("RoPE frequencies computed from the config equal the stored official buffer", arguments: MegalodonGolden.names)
    func ropeFrequencies(fixture: String) throws {
        let golden = try MegalodonGolden(fixture)
        let computed = RotaryEmbedding(dimension: golden.config.zHeadDim, base: golden.config.effectiveRopeBase)
        #expect(computed.inverseFrequencies == (try golden.floats("weights.rope.freqs")))
    }

    @Test(
        "F16 and BF16 weights are used in place and match f32 weights holding the same values",
        arguments: [DType.f16, .bf16])
    func halfPrecisionWeights(dtype: DType) throws {
        let golden = try MegalodonGolden("B_pg19flags")
        let narrow = try InMemoryTensorSource(copying: golden.weights)
        let roundedF32 = try InMemoryTensorSource(copying: golden.weights)
        for (name, tensor) in narrow.tensors where tensor.rank == 2 && tensor.dtype == .f32 {
            let converted = try tensor.converted(to: dtype)
            narrow.set(name, converted)
            roundedF32.set(name, try converted.converted(to: .f32))
        }
        let halfModel = try MegalodonModel(config: golden.config, weights: narrow)
        let floatModel = try MegalodonModel(config: golden.config, weights: roundedF32)
        #expect(halfModel.blocks[0].wz.weight.kind == .float(dtype))
        let tokens = try golden.tokenRows()[1]
        var a = floatModel.makeState(), b = halfModel.makeState(), c = halfModel.makeState()
        let expected = try floatModel.forward(tokens, state: &a, positions: .all).values
        let prefill = try halfModel.forward(tokens, state: &b, positions: .all).values
        var decode: [Float] = []
        for token in tokens { decode += try halfModel.forward([token], state: &c, positions: .all).values }
        #expect(maxAbsDifference(prefill, expected) <= 1e-5)
        #expect(maxAbsDifference(decode, expected) <= 1e-5)
    }

    @Test("tokens outside the vocabulary and foreign states are refused")
    func badInputs() throws {
        let model = try MegalodonGolden("A_swiglu").model()
        var state = model.makeState()
        #expect(throws: MegalodonModel.Failure.tokenOutOfRange(token: 97, index: 1, vocabularySize: 97)) {
            try model.forward([3, 97], state: &state, positions: .all)
        }
        state.layers.removeLast()
        #expect(throws: MegalodonModel.Failure.self) { try model.forward([3], state: &state, positions: .all) }
    }
}
