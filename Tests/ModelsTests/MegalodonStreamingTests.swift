import Foundation
import Tensors
import TestSupport
import Testing

@testable import Models

/// Streaming on random models: any split of a sequence into calls gives the one-shot logits, states
/// are values, and long streams do not drift.
@Suite("MEGALODON streaming")
struct MegalodonStreamingTests {
    static func smallConfig(chunk: Int = 16) -> MegalodonConfig { TinyMegalodon.config(chunk: chunk) }

    static func tokens(_ count: Int, vocabulary: Int, seed: UInt64) -> [Int] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in Int.random(in: 0..<vocabulary, using: &generator) }
    }

    @Test("25 chunks fed token by token equal one call (no drift beyond 1e-4 relative)")
    func longStream() throws {
        let config = Self.smallConfig()
        let model = try MegalodonModel(config: config, weights: RandomMegalodonWeights(config: config, seed: 7))
        let tokens = Self.tokens(25 * config.chunkSize, vocabulary: config.vocabSize, seed: 1)
        var oneShotState = model.makeState(), streamState = model.makeState()
        let oneShot = try model.forward(tokens, state: &oneShotState, positions: .all).values
        var streamed: [Float] = []
        for token in tokens { streamed += try model.forward([token], state: &streamState, positions: .all).values }
        let scale = oneShot.map(abs).max() ?? 1
        let lastChunk = oneShot.count - config.chunkSize * config.vocabSize
        let relative = maxAbsDifference(streamed, oneShot) / scale
        let relativeLastChunk = maxAbsDifference(streamed[lastChunk...], oneShot[lastChunk...]) / scale
        print("long stream (\(tokens.count) tokens): max relative difference \(relative), in the last chunk \(relativeLastChunk)")
        #expect(relative <= 1e-4)
        #expect(streamState == oneShotState || maxStateDifference(streamState, oneShotState) <= 1e-4)
    }

    @Test("uneven splits, including calls longer than a chunk, equal one call")
    func unevenSplits() throws {
        let config = Self.smallConfig(chunk: 8)
        let model = try MegalodonModel(config: config, weights: RandomMegalodonWeights(config: config, seed: 3))
        let tokens = Self.tokens(70, vocabulary: config.vocabSize, seed: 2)
        var state = model.makeState()
        let expected = try model.forward(tokens, state: &state, positions: .all).values
        for splits in [[3, 20, 1, 1, 45], [8, 8, 9, 7, 38], [69, 1], [1, 30, 39]] {
            let logits = try model.logitsFeeding(tokens, inSegments: splits)
            #expect(maxAbsDifference(logits, expected) <= 1e-5, "split \(splits)")
        }
    }

    @Test("a copied state scores two continuations of one prefix independently")
    func stateCopies() throws {
        let config = Self.smallConfig(chunk: 8)
        let model = try MegalodonModel(config: config, weights: RandomMegalodonWeights(config: config, seed: 5))
        let prefix = Self.tokens(13, vocabulary: config.vocabSize, seed: 9)
        let first = [4, 5, 6], second = [7, 8]
        var prefixState = model.makeState()
        _ = try model.forward(prefix, state: &prefixState, positions: .none)
        let saved = prefixState
        var branch = prefixState
        let firstLogits = try model.forward(first, state: &branch, positions: .last)
        #expect(prefixState == saved)
        var otherBranch = prefixState
        let secondLogits = try model.forward(second, state: &otherBranch, positions: .last)
        for (continuation, logits) in [(first, firstLogits), (second, secondLogits)] {
            var fresh = model.makeState()
            let reference = try model.forward(prefix + continuation, state: &fresh, positions: .last)
            #expect(maxAbsDifference(logits.values, reference.values) <= 1e-5)
            #expect(logits.rowCount == 1)
        }
    }

    private func maxStateDifference(_ a: MegalodonState, _ b: MegalodonState) -> Float {
        var worst: Float = 0
        for (x, y) in zip(a.layers, b.layers) {
            worst = max(worst, maxAbsDifference(x.ema.real, y.ema.real), maxAbsDifference(x.ema.imaginary, y.ema.imaginary))
            worst = max(
                worst, maxAbsDifference(x.attention.keys, y.attention.keys), maxAbsDifference(x.attention.values, y.attention.values))
            worst = max(worst, maxAbsDifference(x.timestepNorm.mean.map(Float.init), y.timestepNorm.mean.map(Float.init)))
        }
        return worst
    }
}
