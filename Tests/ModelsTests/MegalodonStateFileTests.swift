import Checkpoints
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Models

@Suite("MEGALODON state files")
struct MegalodonStateFileTests {
    @Test("a saved and restored state continues exactly like the original")
    func roundTrip() throws {
        let golden = try MegalodonGolden("B_pg19flags")
        let model = try golden.model()
        let tokens = try golden.tokenRows()[0]
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.safetensors").path

        var state = model.makeState()
        _ = try model.forward(Array(tokens[0..<21]), state: &state, positions: .none)
        try model.saveState(state, to: path)
        var restored = try model.loadState(from: path)
        #expect(restored == state)
        let continued = try model.forward(Array(tokens[21...]), state: &state, positions: .all)
        let resumed = try model.forward(Array(tokens[21...]), state: &restored, positions: .all)
        #expect(continued == resumed)
        #expect(maxAbsDifference(resumed.values, try golden.batchRow("golden.logits_full", 0)[(21 * 97)...]) <= 1e-4)

        #expect(throws: AtomicOutputError.outputExists(path: path)) { try model.saveState(state, to: path) }
        try model.saveState(state, to: path, overwrite: true)
        #expect(try model.loadState(from: path) == state)
    }

    @Test("a state from another configuration or a non-state file is refused")
    func refusals() throws {
        let a = try MegalodonGolden("A_swiglu").model(), b = try MegalodonGolden("B_pg19flags").model()
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.safetensors").path
        var state = a.makeState()
        _ = try a.forward([1, 2, 3], state: &state, positions: .none)
        try a.saveState(state, to: path)
        #expect(throws: MegalodonModel.StateFileFailure.otherModel(path: path)) { try b.loadState(from: path) }
        let weights = SharedFiles.shared("fixtures/megalodon/A_swiglu.safetensors").path
        #expect(throws: MegalodonModel.StateFileFailure.notAStateFile(path: weights)) { try a.loadState(from: weights) }
    }
}
