import Foundation
import TestSupport
import Testing

@testable import Models

/// Parity with the official MEGALODON code (fp32 CPU goldens): logits of the full forward and of
/// every streaming plan, per-layer activations, and the cache after 16 + 5 tokens. The reference
/// implementations agree with each other to about 3e-6; we allow 1e-4 absolute.
@Suite("MEGALODON official goldens")
struct MegalodonGoldenTests {
    static let tolerance: Float = 1e-4

    @Test("full forward logits match the official code", arguments: MegalodonGolden.names)
    func fullForward(fixture: String) throws {
        let golden = try MegalodonGolden(fixture)
        let model = try golden.model()
        for (batch, tokens) in try golden.tokenRows().enumerated() {
            var state = model.makeState()
            let logits = try model.forward(tokens, state: &state, positions: .all)
            let error = maxAbsDifference(logits.values, try golden.batchRow("golden.logits_full", batch))
            print("\(fixture) full forward, row \(batch): max |Δlogit| = \(error)")
            #expect(error <= Self.tolerance)
        }
    }

    @Test("every streaming plan gives the official plan logits", arguments: MegalodonGolden.names)
    func streamingPlans(fixture: String) throws {
        let golden = try MegalodonGolden(fixture)
        let model = try golden.model()
        #expect(golden.plans.count == 4)
        for (plan, segments) in golden.plans.sorted(by: { $0.key < $1.key }) {
            for (batch, tokens) in try golden.tokenRows().enumerated() {
                let logits = try model.logitsFeeding(tokens, inSegments: segments)
                let error = maxAbsDifference(logits, try golden.batchRow("golden.logits_\(plan)", batch))
                print("\(fixture) plan \(plan), row \(batch): max |Δlogit| = \(error)")
                #expect(error <= Self.tolerance, "plan \(plan) row \(batch)")
            }
        }
    }

    @Test("per-layer activations match the official captures", arguments: MegalodonGolden.names)
    func activations(fixture: String) throws {
        let golden = try MegalodonGolden(fixture)
        let model = try golden.model()
        let expectedNames = golden.file.tensorNames.filter { $0.hasPrefix("golden.act.") }
        #expect(expectedNames.count == 26)
        for (batch, tokens) in try golden.tokenRows().enumerated() {
            var captured: [String: [Float]] = [:]
            var state = model.makeState()
            _ = try model.forward(tokens, state: &state, positions: .none) { name, values in captured[name, default: []] += values }
            for name in expectedNames {
                let key = String(name.dropFirst("golden.act.".count))
                var ours = try #require(captured[key], "no activation \(key)")
                if key.hasSuffix(".cema") { ours = transposed(ours, rows: tokens.count) }
                let error = maxAbsDifference(ours, try golden.batchRow(name, batch))
                print("\(fixture) activation \(key), row \(batch): max |Δ| = \(error)")
                #expect(error <= Self.tolerance, "\(key) row \(batch)")
            }
        }
    }

    @Test("state after 16 + 5 tokens equals the official cache", arguments: MegalodonGolden.names)
    func cacheSnapshot(fixture: String) throws {
        let golden = try MegalodonGolden(fixture)
        let model = try golden.model()
        let c = model.config
        for (batch, tokens) in try golden.tokenRows().enumerated() {
            var state = model.makeState()
            _ = try model.forward(Array(tokens[0..<16]), state: &state, positions: .none)
            let logits = try model.forward(Array(tokens[16..<21]), state: &state, positions: .all)
            var worst = maxAbsDifference(logits.values, try golden.batchRow("golden.logits_after_16_then_5", batch))
            for (index, layer) in state.layers.enumerated() {
                let prefix = "cache.layers.\(index)."
                #expect(layer.attention.count == Int(try golden.floats(prefix + "attn.count")[0]))
                worst = max(worst, maxAbsDifference(layer.attention.keys, try golden.batchRow(prefix + "attn.k", batch)))
                worst = max(worst, maxAbsDifference(layer.attention.values, try golden.batchRow(prefix + "attn.v", batch)))
                worst = max(worst, try normDifference(layer.timestepNorm, golden, prefix + "norm.", batch))
                worst = max(worst, maxAbsDifference(layer.ema.real, try golden.batchRow(prefix + "ema.h_real", batch)))
                worst = max(worst, maxAbsDifference(layer.ema.imaginary, try golden.batchRow(prefix + "ema.h_imag", batch)))
            }
            worst = max(worst, try normDifference(state.finalNorm, golden, "cache.final_norm.", batch))
            print("\(fixture) cache after 16+5, row \(batch): max |Δ| = \(worst)")
            #expect(worst <= Self.tolerance)
            #expect(state.position == 21 && state.layers.allSatisfy { $0.attention.count == 21 % c.chunkSize })
        }
    }

    private func normDifference(_ norm: TimestepNormState, _ golden: MegalodonGolden, _ prefix: String, _ batch: Int) throws -> Float {
        #expect(Float(norm.count) == (try golden.batchRow(prefix + "count", batch))[0])
        return max(
            maxAbsDifference(norm.mean.map(Float.init), try golden.batchRow(prefix + "mean", batch)),
            maxAbsDifference(norm.variance.map(Float.init), try golden.batchRow(prefix + "var", batch)))
    }

    private func transposed(_ values: [Float], rows: Int) -> [Float] {
        let columns = values.count / rows
        return (0..<values.count).map { values[($0 % rows) * columns + $0 / rows] }
    }
}
