import Checkpoints
import Foundation
import TestSupport
import Testing

@testable import Models

/// `forward(batch:states:positions:)` stacks several sequences' rows through every linear layer; each
/// sequence's logits and state must be what running it alone gives.
@Suite("Llama batched forward")
struct LlamaBatchedForwardTests {
    /// Runs every sequence alone and all of them stacked, and returns the largest logit difference
    /// relative to the largest logit, after checking the states advanced alike.
    static func worstRelativeDifference<Model: BatchedLanguageModel>(
        _ model: Model, tokens: [[Int]], states: [Model.State], positions: LogitPositions
    ) throws -> Float where Model.State == LlamaState {
        var alone: [Logits] = []
        var aloneStates = states
        for index in tokens.indices { alone.append(try model.forward(tokens[index], state: &aloneStates[index], positions: positions)) }
        var stackedStates = states
        let stacked = try model.forward(batch: tokens, states: &stackedStates, positions: positions)
        #expect(stacked.count == tokens.count)
        var worst: Float = 0
        for index in tokens.indices {
            #expect(stacked[index].rowCount == alone[index].rowCount, "sequence \(index)")
            #expect(stackedStates[index].position == aloneStates[index].position)
            let scale = max(1, alone[index].values.map(abs).max() ?? 1)
            for (a, b) in zip(stacked[index].values, alone[index].values) { worst = max(worst, abs(a - b) / scale) }
            for (layerStacked, layerAlone) in zip(stackedStates[index].layers, aloneStates[index].layers) {
                #expect(layerStacked.count == layerAlone.count)
                for (a, b) in zip(layerStacked.keys, layerAlone.keys) { worst = max(worst, abs(a - b) / max(1, abs(b))) }
            }
        }
        return worst
    }

    @Test func stackedSequencesMatchRunningEachAlone() throws {
        let model = try LlamaModel(config: TinyLlama.config, weights: TinyLlama.ggufSource())
        var generator = SeededGenerator(seed: 11)
        func randomTokens(_ count: Int) -> [Int] { (0..<count).map { _ in Int.random(in: 0..<40, using: &generator) } }
        var prefilled = model.makeState()
        _ = try model.forward(randomTokens(9), state: &prefilled, positions: .none)
        var longer = model.makeState()
        _ = try model.forward(randomTokens(30), state: &longer, positions: .none)
        // Empty states, two copies of one prefilled state, a longer one; lengths 1, empty and random.
        let states = [model.makeState(), prefilled, prefilled, longer, model.makeState(), prefilled]
        for positions in [LogitPositions.all, .last, .none] {
            for _ in 0..<3 {
                var lengths = (0..<states.count).map { _ in Int.random(in: 1...17, using: &generator) }
                lengths[1] = 1
                lengths[4] = 0
                let tokens = lengths.map(randomTokens)
                let worst = try Self.worstRelativeDifference(model, tokens: tokens, states: states, positions: positions)
                #expect(worst <= 1e-5, "\(positions): max relative |Δ| \(worst)")
            }
        }
    }

    @Test func sequencesLongerThanASegmentAreStackedSegmentBySegment() throws {
        let model = try LlamaModel(config: TinyLlama.config, weights: TinyLlama.ggufSource())
        let tokens = [(0..<(LlamaModel.segmentLength + 37)).map { ($0 * 7 + 3) % 40 }, [5, 6, 7], []]
        let states = [LlamaState](repeating: model.makeState(), count: 3)
        for positions in [LogitPositions.all, .last] {
            let worst = try Self.worstRelativeDifference(model, tokens: tokens, states: states, positions: positions)
            #expect(worst <= 1e-5, "\(positions): max relative |Δ| \(worst)")
        }
    }

    @Test func mismatchedBatchesAndForeignStatesAreRefused() throws {
        let model = try LlamaModel(config: TinyLlama.config, weights: TinyLlama.ggufSource())
        var states = [model.makeState()]
        #expect(throws: LanguageModelFailure.self) { try model.forward(batch: [[1], [2]], states: &states, positions: .all) }
        #expect(throws: LanguageModelFailure.tokenOutOfRange(token: 40, index: 1, vocabularySize: 40)) {
            try model.forward(batch: [[1, 40]], states: &states, positions: .all)
        }
        var foreign = [LlamaState(layers: [], position: 0)]
        #expect(throws: LanguageModelFailure.self) { try model.forward(batch: [[1]], states: &foreign, positions: .all) }
        var none: [LlamaState] = []
        #expect(try model.forward(batch: [], states: &none, positions: .all).isEmpty)
    }

    static let smolLM2 = SharedFiles.cachedModel("SmolLM2-135M-Instruct.Q4_1.gguf")

    /// Model-sized: run in release.
    @Test(.requires(.smolLM2))
    func smolLM2StackedMatchesAlone() throws {
        let model = try LlamaModel(gguf: GGUFFile(path: Self.smolLM2), arithmetic: .float)
        var generator = SeededGenerator(seed: 5)
        func randomTokens(_ count: Int) -> [Int] { (0..<count).map { _ in Int.random(in: 3..<49152, using: &generator) } }
        var context = model.makeState()
        _ = try model.forward(randomTokens(27), state: &context, positions: .none)
        let states = [context, context, context, model.makeState(), context]
        let tokens = [randomTokens(1), randomTokens(6), randomTokens(19), randomTokens(33), []]
        let worst = try Self.worstRelativeDifference(model, tokens: tokens, states: states, positions: .all)
        print("SmolLM2 stacked vs alone: max relative |Δ| \(worst)")
        // 30 layers of 576- and 1536-term f32 sums accumulated in another order (one row takes dot
        // products, stacked rows sgemm blocks): measured 2.4e-5 of the largest logit.
        #expect(worst <= 1e-4)
    }
}
