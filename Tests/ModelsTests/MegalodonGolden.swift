import Checkpoints
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Models

/// An official golden fixture (shared/fixtures/megalodon/<name>.{json,safetensors}).
struct MegalodonGolden {
    let name: String
    let file: SafetensorsFile
    let config: MegalodonConfig
    let plans: [String: [Int]]

    static let names = ["A_swiglu", "B_pg19flags"]

    init(_ name: String) throws {
        self.name = name
        file = try SafetensorsFile(path: SharedFiles.shared("fixtures/megalodon/\(name).safetensors").path)
        weights = try PrefixedSource(file, prefix: "weights")
        let json = try Data(contentsOf: SharedFiles.shared("fixtures/megalodon/\(name).json"))
        let root = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        config = try MegalodonConfig.decode(try JSONSerialization.data(withJSONObject: try #require(root["config"])))
        plans = try #require(root["streaming_plans"] as? [String: [Int]])
    }

    /// The weights, stored under `weights.<official name>`, named without the prefix.
    let weights: TensorSource

    func model() throws -> MegalodonModel { try MegalodonModel(config: config, weights: weights) }

    func floats(_ tensor: String) throws -> [Float] { try file.tensor(named: tensor).floats() }

    /// `golden.tokens` as one token list per batch row.
    func tokenRows() throws -> [[Int]] {
        let tensor = try file.tensor(named: "golden.tokens")
        let values = tensor.scalars(as: Int64.self).map(Int.init)
        let length = tensor.shape[1]
        return (0..<tensor.shape[0]).map { Array(values[$0 * length..<($0 + 1) * length]) }
    }

    /// Row `batch` of a `[B, ...]` golden tensor, flattened.
    func batchRow(_ tensor: String, _ batch: Int) throws -> [Float] {
        let values = try floats(tensor)
        let shape = try file.tensor(named: tensor).shape
        let size = values.count / shape[0]
        return Array(values[batch * size..<(batch + 1) * size])
    }
}

func maxAbsDifference<A: Collection<Float>, B: Collection<Float>>(_ a: A, _ b: B) -> Float {
    precondition(a.count == b.count, "compared \(a.count) values with \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

extension MegalodonModel {
    /// Feeds `tokens` in consecutive calls of the given lengths from a fresh state; returns every
    /// position's logits, concatenated.
    func logitsFeeding(_ tokens: [Int], inSegments lengths: [Int]) throws -> [Float] {
        precondition(lengths.reduce(0, +) == tokens.count, "segments \(lengths) do not cover \(tokens.count) tokens")
        var state = makeState(), logits: [Float] = [], start = 0
        for length in lengths {
            logits += try forward(Array(tokens[start..<start + length]), state: &state, positions: .all).values
            start += length
        }
        return logits
    }
}
