import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints

/// The official MEGALODON fixtures saved by real torch.save: every tensor under `state_dict.*` and
/// `outputs.*` must equal, bit for bit, the same tensor in the matching .safetensors file.
@Suite struct PyTorchGoldenParityTests {
    @Test(arguments: ["A_swiglu", "B_pg19flags"])
    func everyTensorMatchesTheSafetensorsTwin(fixture: String) throws {
        let checkpoint = try PyTorchCheckpoint(path: SharedFiles.shared("fixtures/megalodon/\(fixture).pt").path)
        let reference = try ReferenceSafetensors(url: SharedFiles.shared("fixtures/megalodon/\(fixture).safetensors"))
        var compared = 0
        for info in checkpoint.tensorInfos {
            let referenceName: String
            if info.name.hasPrefix("state_dict.") {
                referenceName = "weights." + info.name.dropFirst("state_dict.".count)
            } else if info.name.hasPrefix("outputs.") {
                referenceName = "golden." + info.name.dropFirst("outputs.".count)
            } else {
                Issue.record("unexpected tensor \(info.name)")
                continue
            }
            guard let expected = reference.entries[referenceName] else {
                Issue.record("\(referenceName) missing from the safetensors twin")
                continue
            }
            let tensor = try checkpoint.tensor(named: info.name)
            #expect(tensor.dtype.rawValue == expected.dtype, "\(info.name)")
            #expect(tensor.shape == expected.shape, "\(info.name)")
            #expect(tensor.data == expected.bytes, "\(info.name) differs from \(referenceName)")
            compared += 1
        }
        let stateDictCount = checkpoint.tensorNames.filter { $0.hasPrefix("state_dict.") }.count
        #expect(stateDictCount == (fixture == "A_swiglu" ? 62 : 64))
        #expect(checkpoint.tensorNames.filter { $0.hasPrefix("outputs.") }.count == 32)
        #expect(compared == stateDictCount + 32)
    }

    @Test func configScalarsAndFormatRecordsBecomeMetadata() throws {
        let checkpoint = try PyTorchCheckpoint(path: SharedFiles.shared("fixtures/megalodon/A_swiglu.pt").path)
        #expect(checkpoint.metadata["config.model_dim"] == "64")
        #expect(checkpoint.metadata["config.rope_base"] == "None")
        #expect(checkpoint.metadata["config.swiglu"] == "true")
        #expect(checkpoint.metadata["config.norm_eps"] == "1e-05")
        #expect(checkpoint.metadata["pytorch.format"] == "zip")
        #expect(checkpoint.metadata["pytorch.byteorder"] == "little")
        #expect(checkpoint.metadata["pytorch.format_version"] == "1")
    }

    @Test func prefixSelectsTheStateDictAndTensorsAreZeroCopy() throws {
        let path = SharedFiles.shared("fixtures/megalodon/B_pg19flags.pt").path
        let all = try PyTorchCheckpoint(path: path)
        #expect(PyTorchCheckpoint.detectWrapper(in: all.allTensorNames) == "state_dict")
        let weights = try PyTorchCheckpoint(path: path, prefix: "state_dict")
        #expect(weights.tensorNames.count == 64)
        #expect(weights.contains("embed.weight"))
        let embed = try weights.tensor(named: "embed.weight")
        #expect(embed.shape == [97, 64])
        #expect(embed.storage.isMapped)
        // share_emb: the output weight equals the embedding exactly.
        #expect(try weights.tensor(named: "output.output.weight").data == embed.data)
        #expect(throws: PyTorchError.prefixNotFound(path: path, prefix: "model", available: ["state_dict", "outputs"])) {
            try PyTorchCheckpoint(path: path, prefix: "model")
        }
    }
}
