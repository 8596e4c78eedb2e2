import Foundation
import Tensors
import TestSupport
import Testing

@testable import Models

/// The f16 attention cache (`--kv-cache f16`): keys and values rounded once as they are cached, the
/// arithmetic f32. Its decode step must agree bit for bit with the general path, a saved state must
/// continue exactly, and engines without f16 caches must refuse one.
@Suite("f16 attention caches")
struct HalfCacheTests {
    @Test(arguments: [nil, "q4_0"])
    func decodeStepMatchesTheSegmentPathBitForBit(scheme: String?) throws {
        let model = try LlamaDecodeStepTests.model(scheme: scheme).keepingKeyValues(in: .f16)
        var stepped = model.makeState()
        var general = [model.makeState()]
        #expect(stepped.layers.allSatisfy { $0.precision == .f16 })
        _ = try model.forward([1, 5, 9], state: &stepped, positions: .none)
        _ = model.forwardSegment([[1, 5, 9]], states: &general, logitRows: [0..<0])
        #expect(stepped == general[0])
        #expect(stepped.layers.allSatisfy { $0.keys.isEmpty && $0.halfKeys.count == 3 * model.config.keyValueWidth })
        for token in [12, 30, 7, 21] {
            let fast = try model.forward([token], state: &stepped, positions: .last)
            let reference = model.forwardSegment([[token]], states: &general, logitRows: [0..<1])[0]
            #expect(fast.values.map(\.bitPattern) == reference.map(\.bitPattern), "token \(token)")
            #expect(stepped == general[0], "token \(token): caches differ")
        }
    }

    /// The cache holds exactly the f32 cache's rows rounded to f16, and the logits stay close to the
    /// f32 cache's (the rounding moves them a little; the exact comparison with llama.cpp's own f16
    /// cache is `LlamaParityTests`).
    @Test func cachedRowsAreTheFloatRowsRounded() throws {
        let reference = try LlamaModel(config: TinyLlama.config, weights: TinyLlama.ggufSource())
        let half = reference.keepingKeyValues(in: .f16)
        let tokens = (0..<40).map { ($0 * 11 + 2) % 40 }
        var floatState = reference.makeState(), halfState = half.makeState()
        let floatLogits = try reference.forward(tokens, state: &floatState, positions: .all)
        let halfLogits = try half.forward(tokens, state: &halfState, positions: .all)
        // Layer 0's inputs do not depend on the cache, so its rows are the f32 rows rounded.
        #expect(halfState.layers[0].halfKeys == floatState.layers[0].keys.map(HalfPrecision.halfBits(from:)))
        #expect(halfState.layers[0].halfValues == floatState.layers[0].values.map(HalfPrecision.halfBits(from:)))
        let scale = floatLogits.values.map(abs).max() ?? 1
        let worst = maxAbsDifference(halfLogits.values, floatLogits.values)
        #expect(worst > 0, "the f16 cache rounds something")
        #expect(worst <= 1e-2 * scale, "f16 cache moved logits by \(worst) (max |logit| \(scale))")
    }

    @Test func savedHalfStatesContinueExactly() throws {
        let model = try LlamaModel(config: TinyLlama.config, weights: TinyLlama.ggufSource()).keepingKeyValues(in: .f16)
        var state = model.makeState()
        _ = try model.forward([1, 4, 9, 16], state: &state, positions: .none)
        let folder = try SharedFiles.temporaryDirectory("llama-half-state")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.safetensors").path
        try model.saveState(state, to: path)
        let saved = state
        var restored = try model.loadState(from: path)
        #expect(restored == state)
        #expect(try model.forward([25], state: &restored, positions: .last) == model.forward([25], state: &state, positions: .last))
        // Into an f32 model the rows widen exactly; an f32 state loads into an f16 model rounded.
        let floatModel = model.keepingKeyValues(in: .f32)
        let widened = try floatModel.loadState(from: path)
        #expect(widened.layers[0].precision == .f32)
        #expect(widened.layers[0].keys == saved.layers[0].halfKeys.map(HalfPrecision.float(fromHalfBits:)))
        let floatPath = folder.appendingPathComponent("float.safetensors").path
        try floatModel.saveState(widened, to: floatPath)
        #expect(try model.loadState(from: floatPath) == saved)
    }

    @Test func megalodonRefusesAHalfCache() throws {
        let model = try MegalodonGolden("B_pg19flags").model()
        #expect(throws: LanguageModelFailure.unsupportedCache(.f16)) { try model.keepingKeyValues(in: .f16) }
        #expect(try model.keepingKeyValues(in: .f32).makeState() == model.makeState())
    }
}
