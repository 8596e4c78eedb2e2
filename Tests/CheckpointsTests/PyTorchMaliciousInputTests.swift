import Foundation
import TestSupport
import Testing

@testable import Checkpoints

/// Hostile pickles: each is refused with the specific typed error, and nothing is imported or run
/// (the unpickler has no way to call anything outside its allow-list).
@Suite struct PyTorchMaliciousInputTests {
    static func run(_ bytes: [UInt8], limits: Unpickler.Limits = Unpickler.Limits()) throws {
        _ = try bytes.withUnsafeBytes { raw in
            try Unpickler.load(raw, limits: limits, persistentLoad: StorageCatalog(legacy: false, fileSize: raw.count).load) { root in
                var flattener = PickleFlattener(path: "test", streamBytes: raw.count)
                try flattener.flatten(root)
                return flattener.tensors.count
            }
        }
    }

    static func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: SharedFiles.tests("CheckpointsTests/Fixtures/pytorch/malicious/\(name)")))
    }

    /// Protocol 2 header + body + STOP.
    static func pickle(_ body: [UInt8]) -> [UInt8] { [0x80, 0x02] + body + [UInt8(ascii: ".")] }

    @Test(arguments: [
        ("os_system_p2.pkl", "posix.system"), ("os_system_p4.pkl", "posix.system"),
        ("builtins_eval_p2.pkl", "builtins.eval"), ("builtins_exec_p4.pkl", "builtins.exec"),
    ])
    func globalsOutsideTheAllowListAreNamed(file: String, global: String) throws {
        #expect(throws: PickleError.disallowedGlobal(global)) { try Self.run(try Self.fixture(file)) }
    }

    @Test func aMaliciousArchiveIsRefusedThroughTheCheckpointAPI() throws {
        let path = SharedFiles.tests("CheckpointsTests/Fixtures/pytorch/malicious/os_system_archive.pt").path
        #expect(throws: PyTorchError.pickle(path: path, .disallowedGlobal("posix.system"))) { try PyTorchCheckpoint(path: path) }
    }

    @Test func hostileGlobalsBuiltByHandAreRefused() throws {
        let global = Array("csubprocess\nPopen\n".utf8)
        #expect(throws: PickleError.disallowedGlobal("subprocess.Popen")) { try Self.run(Self.pickle(global)) }
        // A torch name that is not on the list, e.g. torch.load itself.
        #expect(throws: PickleError.disallowedGlobal("torch.load")) { try Self.run(Self.pickle(Array("ctorch\nload\n".utf8))) }
    }

    @Test func deepNestingIsRefused() throws {
        let lists = [UInt8](repeating: UInt8(ascii: "]"), count: 1000) + [UInt8](repeating: UInt8(ascii: "a"), count: 999)
        #expect(throws: PickleError.nestingTooDeep(limit: 200)) { try Self.run(Self.pickle(lists)) }
        let tuples = [UInt8(ascii: ")")] + [UInt8](repeating: 0x85, count: 100_000)
        #expect(throws: PickleError.nestingTooDeep(limit: 200)) { try Self.run(Self.pickle(tuples)) }
    }

    @Test func memoAbuseIsRefused() throws {
        #expect(throws: PickleError.memoMissing(index: 0xFFFF_FFFF, offset: 2)) {
            try Self.run(Self.pickle([UInt8(ascii: "j"), 0xFF, 0xFF, 0xFF, 0xFF]))
        }
        let memoizeMany = [UInt8(ascii: "N")] + [UInt8](repeating: 0x94, count: 10)
        #expect(throws: PickleError.memoTooLarge(limit: 4)) {
            try Self.run(Self.pickle(memoizeMany), limits: Unpickler.Limits(maxMemoEntries: 4, maxNestingDepth: 200))
        }
    }

    @Test func lengthsBeyondTheStreamAreRefused() throws {
        #expect(throws: PickleError.lengthExceedsStream(length: 0x7FFF_FFFF, offset: 2)) {
            try Self.run(Self.pickle([UInt8(ascii: "X"), 0xFF, 0xFF, 0xFF, 0x7F, 0x41]))
        }
        #expect(throws: PickleError.lengthExceedsStream(length: UInt64.max, offset: 2)) {
            try Self.run(Self.pickle([0x8E] + [UInt8](repeating: 0xFF, count: 8)))
        }
        #expect(throws: PickleError.integerTooLarge(bytes: 0x1000_0000, offset: 2)) {
            try Self.run(Self.pickle([0x8B, 0x00, 0x00, 0x00, 0x10]))
        }
    }

    @Test func malformedStreamsAreTypedErrors() throws {
        #expect(throws: PickleError.unsupportedOpcode(opcode: UInt8(ascii: "I"), offset: 2)) {
            try Self.run(Self.pickle(Array("I1\n".utf8)))
        }
        #expect(throws: PickleError.stackUnderflow(opcode: UInt8(ascii: "."), offset: 2)) { try Self.run(Self.pickle([])) }
        #expect(throws: PickleError.unsupportedProtocol(6)) { try Self.run([0x80, 0x06, UInt8(ascii: "N"), UInt8(ascii: ".")]) }
        #expect(throws: PickleError.markMissing(opcode: UInt8(ascii: "t"), offset: 2)) { try Self.run(Self.pickle([UInt8(ascii: "t")])) }
        // REDUCE on a string: only allow-listed globals are callable.
        let callString: [UInt8] = [0x8C, 1, UInt8(ascii: "x"), UInt8(ascii: ")"), UInt8(ascii: "R")]
        #expect(throws: PickleError.invalidCall(callable: "str", detail: "only allow-listed globals can be called")) {
            try Self.run(Self.pickle(callString))
        }
        // A persistent id that is not a storage (legacy 'module' ids are refused).
        let modulePID: [UInt8] = [UInt8(ascii: "("), 0x8C, 6] + Array("module".utf8) + [UInt8(ascii: "t"), UInt8(ascii: "Q")]
        #expect(throws: PickleError.invalidPersistentID("type 'module' (only 'storage' is supported)")) {
            try Self.run(Self.pickle(modulePID))
        }
    }

    @Test func selfReferenceIsACycleNotARecursion() throws {
        // l = []; l.append(l)
        let cycle: [UInt8] = [UInt8(ascii: "]"), UInt8(ascii: "q"), 0, UInt8(ascii: "h"), 0, UInt8(ascii: "a")]
        #expect(throws: PyTorchError.cyclicStructure(path: "test", at: "0")) { try Self.run(Self.pickle(cycle)) }
    }

    @Test func everyTruncationOfARealPickleIsATypedError() throws {
        let archive = try ZipArchive(path: SharedFiles.tests("CheckpointsTests/Fixtures/pytorch/zip_p2.pt").path)
        let full = [UInt8](try archive.bytes(named: "zip_p2/data.pkl"))
        for length in 0..<(full.count - 1) {
            do {
                try Self.run(Array(full[..<length]))
                Issue.record("a pickle cut at \(length) bytes was accepted")
            } catch is PickleError {}
        }
    }
}
