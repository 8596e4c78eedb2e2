import Foundation
import Testing

@testable import Models

@Suite("token sampling")
struct SamplingTests {
    let logits: [Float] = [log(0.2), log(0.5), log(0.3)]

    @Test("greedy, top-k 1 and a tiny top-p all pick the most likely token")
    func deterministicChoices() {
        for options in [SamplingOptions(), SamplingOptions(temperature: 1, topK: 1), SamplingOptions(temperature: 1, topP: 0.01)] {
            var sampler = TokenSampler(options: options, seed: 1)
            #expect((0..<20).allSatisfy { _ in sampler.next(from: logits) == 1 })
        }
    }

    @Test("temperature 1 draws in the softmax proportions; top-k 2 and top-p 0.75 drop the tail")
    func proportions() {
        func frequencies(_ options: SamplingOptions) -> [Double] {
            var sampler = TokenSampler(options: options, seed: 42)
            var counts = [0.0, 0.0, 0.0]
            for _ in 0..<20000 { counts[sampler.next(from: logits)] += 1 }
            return counts.map { $0 / 20000 }
        }
        let plain = frequencies(SamplingOptions(temperature: 1))
        #expect(zip(plain, [0.2, 0.5, 0.3]).allSatisfy { abs($0 - $1) < 0.02 })
        for options in [SamplingOptions(temperature: 1, topK: 2), SamplingOptions(temperature: 1, topP: 0.75)] {
            let truncated = frequencies(options)
            #expect(truncated[0] == 0)
            #expect(abs(truncated[1] - 0.625) < 0.02)
        }
    }

    @Test("the same seed repeats the same draws")
    func reproducible() {
        var a = TokenSampler(options: SamplingOptions(temperature: 0.7), seed: 9)
        var b = TokenSampler(options: SamplingOptions(temperature: 0.7), seed: 9)
        #expect((0..<50).map { _ in a.next(from: logits) } == (0..<50).map { _ in b.next(from: logits) })
    }
}
