import Checkpoints
import Conversion
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Models

/// `megalodon-convert init`'s library side: official initialisation statistics, slices that equal
/// the whole, and official model-parallel folders that merge back to the unsplit model and load.
@Suite struct InitialWeightsTests {
    static func moments(_ values: [Float]) -> (mean: Double, std: Double, maxAbs: Float) {
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
        return (mean, variance.squareRoot(), values.map(abs).max() ?? 0)
    }

    /// A tensor's bytes, copied while the tensor is certainly alive.
    static func bytes(_ tensor: Tensor) -> [UInt8] { withExtendedLifetime(tensor) { Array(tensor.bytes) } }

    @Test func mega73BSlicesFollowTheOfficialStatistics() throws {
        let weights = try InitialModel(preset: "mega7.3B").weights(seed: 3, dtype: .f32)
        // kaiming_normal_(a = sqrt(5)) on fan-in 4096: std 1/sqrt(3·4096).
        let wv = Self.moments(try weights.tensor(named: "layers.0.mega.wv.weight", rows: 0..<64, columns: 0..<4096).floats())
        let heStd4096: Double = 1 / (3.0 * 4096).squareRoot(), heStd8192: Double = 1 / (3.0 * 8192).squareRoot()
        #expect(abs(wv.std / heStd4096 - 1) < 0.01)
        #expect(abs(wv.mean) < 1e-4)
        let fc2 = Self.moments(try weights.tensor(named: "layers.5.nffn.fc2.weight", rows: 0..<32, columns: 0..<8192).floats())
        #expect(abs(fc2.std / heStd8192 - 1) < 0.01)
        // Truncated normal std 1/sqrt(D) cut at ±3 std: std shrinks to 0.9866 of it, nothing beyond the cut.
        let embed = Self.moments(try weights.tensor(named: "embed.weight", rows: 0..<64, columns: 0..<4096).floats())
        let sigma: Double = 1 / 4096.0.squareRoot()
        let truncatedStd: Double = 0.98658 * sigma, cut: Double = 3 * sigma * 1.0001
        #expect(abs(embed.std / truncatedStd - 1) < 0.01)
        #expect(Double(embed.maxAbs) <= cut)
        let alpha = Self.moments(try weights.tensor(named: "layers.0.mega.cema.alpha").floats())
        #expect(abs(alpha.std / 0.2 - 1) < 0.02)
        let omega = Self.moments(try weights.tensor(named: "layers.0.mega.cema.omega").floats())
        #expect(omega.maxAbs <= 1)
        let omegaStd: Double = 0.25
        #expect(abs(omega.std / omegaStd - 1) < 0.05)
        let gamma = try weights.tensor(named: "layers.0.mega.cema.gamma").floats()
        let imaginary: [Float] = stride(from: 1, to: gamma.count, by: 2).map { gamma[$0] }
        let real: [Float] = stride(from: 0, to: gamma.count, by: 2).map { gamma[$0] }
        #expect(imaginary.allSatisfy { $0 == 0 })
        #expect(abs(Self.moments(real).std - 1) < 0.02)
        // theta = logit(exp(-k·log(D)/D)) for k = 1…D in some order.
        let theta = try weights.tensor(named: "layers.0.mega.cema.theta").floats()
        let frequencies: [Double] = theta.map { 1 / (1 + exp(-Double($0))) }.sorted(by: >)
        let step: Double = log(4096.0) / 4096
        let expected: [Double] = (1...4096).map { exp(-Double($0) * step) }
        let worst: Double = zip(frequencies, expected).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-5)
        #expect(theta != theta.sorted() && theta != theta.sorted(by: >))
        #expect(try weights.tensor(named: "layers.3.mega.timenorm.weight").floats().allSatisfy { $0 == 0 })
        #expect(try weights.tensor(named: "layers.3.mega.wz.bias").floats().allSatisfy { $0 == 0 })
        #expect(weights.info(named: "layers.0.mega.timenorm.prior_count")?.dtype == .i64)
        let llama = try InitialModel(preset: "llama2-7b").weights(seed: 3, dtype: .f32)
        let wq = Self.moments(try llama.tensor(named: "layers.7.attention.wq.weight", rows: 0..<64, columns: 0..<4096).floats())
        #expect(abs(wq.std / 0.02 - 1) < 0.01)
        #expect(llama.info(named: "layers.0.feed_forward.w1.weight")?.shape == [11008, 4096])
        // The spec's count (7,385,817,088) plus the buffers a state dict also holds: 33 TimestepNorm priors and rope.freqs.
        let buffers = 33 * (1 + 64 + 64) + 128
        #expect(try InitialModel(preset: "mega7.3B").parameterCount == 7_385_817_088 + buffers)
    }

    @Test func slicesEqualTheWholeTensorAndSeedsDiffer() throws {
        let weights = try InitialModel(preset: "debug-small").weights(seed: 9, dtype: .bf16)
        for (name, rows, columns) in [
            ("layers.1.mega.wh2.weight", 0..<64, 32..<96), ("embed.weight", 10..<20, 0..<64),
            ("layers.0.mega.cema.gamma", 16..<32, 0..<8), ("layers.0.nffn.fc1.weight", 0..<96, 1..<63),
        ] {
            let whole = try weights.tensor(named: name)
            let part = try weights.tensor(named: name, rows: rows, columns: columns)
            #expect(Self.bytes(part) == Self.bytes(try whole.slice(rows: rows, columns: columns)), "\(name)")
        }
        let other = try InitialModel(preset: "debug-small").weights(seed: 10, dtype: .bf16)
        #expect(Self.bytes(try weights.tensor(named: "embed.weight")) != Self.bytes(try other.tensor(named: "embed.weight")))
    }

    @Test(arguments: [("debug-small", 1), ("debug-small", 2), ("debug-small-llama", 1), ("debug-small-llama", 4)])
    func officialFoldersMergeBackAndLoad(preset: String, ranks: Int) throws {
        let model = try InitialModel(preset: preset)
        let weights = model.weights(seed: 5, dtype: .bf16)
        let folder = try SharedFiles.temporaryDirectory("init-official")
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = try model.officialWriter(ranks: ranks)
        try writer.write(weights, to: folder.path, configFiles: model.officialConfigFiles(ranks: ranks, dtype: .bf16))
        let merged = try ModelParallelCheckpoint(directory: folder.path, mergeRules: Architectures.modelParallelMergeRule)
        #expect(merged.shards.count == ranks)
        #expect(merged.tensorNames == weights.tensorNames)
        for info in weights.tensorInfos {
            let tensor = try merged.tensor(named: info.name)
            #expect(tensor.shape == info.shape && tensor.dtype == info.dtype, "\(info.name)")
            #expect(Self.bytes(tensor) == Self.bytes(try weights.tensor(named: info.name)), "\(info.name)")
        }
        // The folder converts to a model directory that loads and runs.
        let directory = folder.appendingPathComponent("model")
        let conversion = try Conversion(input: try CheckpointInput.open(folder.path), kind: .directory, names: .canonical, dtype: nil)
        try conversion.write(to: directory.path)
        let logits: Logits
        if model.family == .megalodon {
            let network = try MegalodonModel(directory: directory)
            var state = network.makeState()
            logits = try network.forward([1, 2, 3], state: &state, positions: .all)
        } else {
            let network = try LlamaModel(directory: directory)
            var state = network.makeState()
            logits = try network.forward([1, 2, 3], state: &state, positions: .all)
        }
        #expect(logits.rowCount == 3 && logits.values.allSatisfy(\.isFinite))
    }

    @Test func headsThatTheOfficialCodeCannotSplitAreRefused() throws {
        #expect(throws: InitialModel.Failure.self) { try InitialModel(preset: "debug-small").checkSplit(ranks: 4) }
        try InitialModel(preset: "mega7.3B").checkSplit(ranks: 4)
    }
}
