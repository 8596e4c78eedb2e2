import Tensors
import Testing

@testable import Models

/// TimestepNorm (split over channel groups), the row norms, RoPE and the attention softmax (split
/// over rows in prefill) and decode attention (split over heads and value columns) run on
/// `ThreadPool.shared`; each value's arithmetic is the same whatever the split, so two threads must
/// give one thread's logits and state bit for bit. The pool is global: the suite runs its tests one
/// at a time and each restores the count it found.
@Suite("MEGALODON threading", .serialized)
struct MegalodonThreadingTests {
    /// Runs `body` with one thread, then two, and returns both results.
    static func withOneThenTwoThreads<Value>(_ body: () throws -> Value) rethrows -> (single: Value, double: Value) {
        let pool = ThreadPool.shared
        let previous = pool.threadCount
        defer { pool.threadCount = previous }
        pool.threadCount = 1
        let single = try body()
        pool.threadCount = 2
        return (single, try body())
    }

    /// The first index where `a` and `b` differ in their bits (or in length), so that a failure names
    /// one value instead of printing two arrays of thousands.
    static func firstDifference(_ a: [Float], _ b: [Float]) -> Int? {
        let shared = min(a.count, b.count)
        if let index = (0..<shared).first(where: { a[$0].bitPattern != b[$0].bitPattern }) { return index }
        return a.count == b.count ? nil : shared
    }

    /// Big enough that every split named above is taken with two threads: 600 prefill rows give
    /// TimestepNorm 4 parts of 8 groups (8 channels each) and the row norms, RoPE and softmax several
    /// parts each; decode at 600+ cached positions splits 2 heads (128 key channels each) for the
    /// scores and 2 × 2 blocks of 64 value columns for the weighted sum. Head widths are multiples of 16, so the
    /// kernels' AVX-512 form runs where the CPU has it.
    static func decodeConfig() -> MegalodonConfig {
        var c = MegalodonConfig()
        (c.numLayers, c.modelDim, c.zDim, c.valueDim, c.numHeads) = (2, 256, 256, 256, 2)
        (c.ffnHiddenDim, c.cemaNdim, c.chunkSize, c.normNumGroups, c.vocabSize) = (256, 4, 1_024, 32, 61)
        c.swiglu = true
        return c
    }

    @Test("two threads give one thread's logits and state exactly over several chunks")
    func twoThreadsMatchOne() throws {
        let config = MegalodonStreamingTests.smallConfig(chunk: 256)
        let model = try MegalodonModel(config: config, weights: RandomMegalodonWeights(config: config, seed: 11))
        let tokens = MegalodonStreamingTests.tokens(1_024, vocabulary: config.vocabSize, seed: 2)
        let (single, double) = try Self.withOneThenTwoThreads { () throws -> ([Float], MegalodonState) in
            var state = model.makeState()
            let logits = try model.forward(tokens, state: &state, positions: .all).values
            return (logits, state)
        }
        #expect(Self.firstDifference(double.0, single.0) == nil)
        let sameState = double.1 == single.1  // a Bool, so that a failure does not print two whole states
        #expect(sameState)
    }

    @Test("prefill then decode steps: two threads give one thread's logits and state exactly")
    func prefillAndDecodeMatch() throws {
        let config = Self.decodeConfig()
        let model = try MegalodonModel(config: config, weights: RandomMegalodonWeights(config: config, seed: 13))
        let prompt = MegalodonStreamingTests.tokens(600, vocabulary: config.vocabSize, seed: 4)
        let continuation = MegalodonStreamingTests.tokens(6, vocabulary: config.vocabSize, seed: 5)
        let (single, double) = try Self.withOneThenTwoThreads { () throws -> ([[Float]], MegalodonState) in
            var state = model.makeState()
            var logits: [[Float]] = []
            logits.append(try model.forward(prompt, state: &state, positions: .all).values)
            for token in continuation {
                let step = try model.forward([token], state: &state, positions: .last)
                logits.append(step.values)
            }
            return (logits, state)
        }
        #expect(double.0.count == continuation.count + 1)
        for (step, (two, one)) in zip(double.0, single.0).enumerated() {
            #expect(Self.firstDifference(two, one) == nil, "call \(step) (0 is the prefill)")
        }
        let sameState = double.1 == single.1  // a Bool, so that a failure does not print two whole states
        #expect(sameState)
    }
}
