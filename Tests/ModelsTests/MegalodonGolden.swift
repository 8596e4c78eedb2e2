import Foundation
import Tensors
import Testing
import TestSupport
@testable import Models

/// A view of the tensors of `base` whose names start with `prefix`, with the prefix removed (the
/// golden files keep weights under `weights.<official name>`).
final class PrefixedTensorSource: TensorSource, @unchecked Sendable {
    let base: TensorSource
    let prefix: String
    let tensorInfos: [TensorInfo]

    init(_ base: TensorSource, prefix: String) {
        self.base = base
        self.prefix = prefix
        tensorInfos = base.tensorInfos.filter { $0.name.hasPrefix(prefix) }.map {
            TensorInfo(name: String($0.name.dropFirst(prefix.count)), dtype: $0.dtype, shape: $0.shape)
        }
    }

    var location: String { base.location + " [\(prefix)*]" }
    var metadata: [String: String] { [:] }
    func tensor(named name: String) throws -> Tensor { try base.tensor(named: prefix + name) }
}

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
        let json = try Data(contentsOf: SharedFiles.shared("fixtures/megalodon/\(name).json"))
        let root = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        config = try MegalodonConfig.decode(try JSONSerialization.data(withJSONObject: try #require(root["config"])))
        plans = try #require(root["streaming_plans"] as? [String: [Int]])
    }

    var weights: TensorSource { PrefixedTensorSource(file, prefix: "weights.") }

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
