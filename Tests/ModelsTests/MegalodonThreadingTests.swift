import Tensors
import Testing

@testable import Models

/// TimestepNorm, the row norms and the attention softmax split their rows over `ThreadPool.shared`;
/// each value's arithmetic is the same whatever the split, so two threads must give one thread's
/// logits and state bit for bit. The sizes make every one of them split: 1,024 tokens of width 32
/// (512 rows a part) and 256-token chunks (32 softmax rows a part).
@Suite("MEGALODON threading")
struct MegalodonThreadingTests {
    @Test("two threads give one thread's logits and state exactly")
    func twoThreadsMatchOne() throws {
        let config = MegalodonStreamingTests.smallConfig(chunk: 256)
        let model = try MegalodonModel(config: config, weights: RandomMegalodonWeights(config: config, seed: 11))
        let tokens = MegalodonStreamingTests.tokens(1_024, vocabulary: config.vocabSize, seed: 2)
        func run() throws -> ([Float], MegalodonState) {
            var state = model.makeState()
            let logits = try model.forward(tokens, state: &state, positions: .all).values
            return (logits, state)
        }
        let pool = ThreadPool.shared
        let previous = pool.threadCount
        defer { pool.threadCount = previous }
        pool.threadCount = 1
        let (single, singleState) = try run()
        pool.threadCount = 2
        let (double, doubleState) = try run()
        #expect(double == single)
        #expect(doubleState == singleState)
    }
}
