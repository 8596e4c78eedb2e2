import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints

/// Files written by scripts/oracles/pytorch_fixtures.py (torch.save emulated without torch): every
/// tensor — transposed, sliced, shared-storage, 0-d, empty, bf16/f16/f64/int/bool, v3 uint16 — must
/// read back as the oracle's row-major bytes.
@Suite struct PyTorchEmulatedFixtureTests {
    struct Expected: Decodable {
        let dtype: String
        let shape: [Int]
        let hex: String
    }

    static func fixture(_ name: String) -> String { SharedFiles.tests("CheckpointsTests/Fixtures/pytorch/\(name)").path }

    static func expected(_ name: String) throws -> [String: Expected] {
        try JSONDecoder().decode([String: Expected].self, from: Data(contentsOf: URL(fileURLWithPath: fixture(name))))
    }

    static func hex(_ tensor: Tensor) -> String { tensor.bytes.map { String(format: "%02x", $0) }.joined() }

    static func checkAgainst(_ file: String, expectations: String) throws {
        let checkpoint = try PyTorchCheckpoint(path: fixture(file))
        let expected = try expected(expectations)
        #expect(Set(checkpoint.tensorNames) == Set(expected.keys), "\(file)")
        for (name, want) in expected {
            let tensor = try checkpoint.tensor(named: name)
            #expect(tensor.dtype.rawValue == want.dtype, "\(file): \(name)")
            #expect(tensor.shape == want.shape, "\(file): \(name)")
            #expect(hex(tensor) == want.hex, "\(file): \(name)")
        }
    }

    @Test(arguments: ["zip_p2.pt", "zip_p4.pt", "zip_plain.pt", "zip_bigendian.pt", "zip64_extra.pt"])
    func zipArchivesMatchTheOracle(file: String) throws {
        try Self.checkAgainst(file, expectations: "expected.json")
    }

    @Test func legacyStreamMatchesTheOracle() throws {
        try Self.checkAgainst("legacy_p2.pt", expectations: "legacy_expected.json")
        try Self.checkAgainst("legacy_bigendian.pt", expectations: "legacy_expected.json")
        let checkpoint = try PyTorchCheckpoint(path: Self.fixture("legacy_p2.pt"))
        #expect(checkpoint.metadata["pytorch.format"] == "legacy")
        #expect(checkpoint.metadata["config.name"] == "tiny")
    }

    @Test func contiguousTensorsAreViewsAndStridedOnesAreGathered() throws {
        let checkpoint = try PyTorchCheckpoint(path: Self.fixture("zip_p2.pt"), prefix: "state_dict")
        #expect(try checkpoint.tensor(named: "embed.weight").storage.isMapped)
        #expect(try checkpoint.tensor(named: "rows").storage.isMapped)
        #expect(try !checkpoint.tensor(named: "embed_t").storage.isMapped)
        #expect(try !checkpoint.tensor(named: "cols").storage.isMapped)
        // Tied weights read the same bytes of the same storage.
        let embed = try checkpoint.tensor(named: "embed.weight")
        let head = try checkpoint.tensor(named: "lm_head.weight")
        #expect(embed.bytes.baseAddress == head.bytes.baseAddress)
        let bigEndian = try PyTorchCheckpoint(path: Self.fixture("zip_bigendian.pt"), prefix: "state_dict")
        #expect(try !bigEndian.tensor(named: "embed.weight").storage.isMapped)
        #expect(bigEndian.metadata["pytorch.byteorder"] == "big")
    }

    @Test func compressedAndTorchScriptArchivesAreRefused() throws {
        let deflated = Self.fixture("zip_deflated.pt")
        do {
            _ = try PyTorchCheckpoint(path: deflated)
            Issue.record("a deflated archive was accepted")
        } catch let ZipError.compressedEntry(path, entry, method) {
            #expect(path == deflated && entry.hasPrefix("deflated/") && method == 8)
        }
        let script = Self.fixture("torchscript.pt")
        #expect(throws: PyTorchError.torchScriptArchive(path: script)) { try PyTorchCheckpoint(path: script) }
        let notTorch = Self.fixture("expected.json")
        #expect(throws: PyTorchError.notAPyTorchCheckpoint(path: notTorch)) { try PyTorchCheckpoint(path: notTorch) }
    }

    @Test func unknownTensorNamesAreTypedErrors() throws {
        let path = Self.fixture("zip_p2.pt")
        let checkpoint = try PyTorchCheckpoint(path: path)
        #expect(throws: PyTorchError.unknownTensor(path: path, name: "nope")) { try checkpoint.tensor(named: "nope") }
    }
}
