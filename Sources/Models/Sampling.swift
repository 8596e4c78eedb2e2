import Foundation
import Tensors

/// How the next token is chosen from a row of logits.
public struct SamplingOptions: Sendable, Equatable {
    /// 0 means greedy (argmax); otherwise logits are divided by it before the softmax.
    public var temperature: Float
    /// Keep only the k most likely tokens (nil: all).
    public var topK: Int?
    /// Keep the smallest set of most likely tokens whose probability reaches p (nil: all).
    public var topP: Float?

    public init(temperature: Float = 0, topK: Int? = nil, topP: Float? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
    }

    public var isGreedy: Bool { temperature == 0 }
}

/// Draws tokens with a seeded generator, so a run can be repeated exactly.
public struct TokenSampler: Sendable {
    public let options: SamplingOptions
    private var generator: SplitMix64

    public init(options: SamplingOptions, seed: UInt64) {
        self.options = options
        generator = SplitMix64(seed: seed)
    }

    public mutating func next<Row: Collection<Float>>(from logits: Row) -> Int {
        let values = Array(logits)
        guard !values.isEmpty else { return 0 }
        if options.isGreedy { return Self.argmax(values) }
        // Most likely first; ties keep the lower token id first so runs are reproducible.
        var order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        if let k = options.topK, k > 0 { order = Array(order.prefix(k)) }
        let top = values[order[0]]
        var weights = order.map { Double(exp((values[$0] - top) / options.temperature)) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        if let p = options.topP, p < 1 {
            var cumulative = 0.0, keep = 0
            while keep < weights.count {
                cumulative += weights[keep]
                keep += 1
                if cumulative >= Double(p) { break }
            }
            order = Array(order.prefix(keep))
            weights = Array(weights.prefix(keep))
        }
        var draw = Double.random(in: 0..<weights.reduce(0, +), using: &generator)
        for (token, weight) in zip(order, weights) {
            draw -= weight
            if draw < 0 { return token }
        }
        return order[order.count - 1]
    }

    /// Index of the largest value; the first one on ties.
    public static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
