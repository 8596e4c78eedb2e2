import Foundation
import Testing
import TestSupport
import Tensors
@testable import Checkpoints

/// Seeded mutation fuzzing of the zip, legacy and pickle readers: every mutated file must either load
/// (and then every tensor must read or fail with a typed error) or be refused with a typed error.
/// A crash fails the run. ~5 s by default; set MEGALODON_FUZZ_SECONDS for longer runs.
@Suite struct PyTorchFuzzTests {
    /// SplitMix64: small, seedable, reproducible across platforms.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static var budget: Double {
        Double(ProcessInfo.processInfo.environment["MEGALODON_FUZZ_SECONDS"] ?? "") ?? 5
    }

    static func isTyped(_ error: Error) -> Bool {
        error is PyTorchError || error is PickleError || error is ZipError || error is Tensor.Failure || error is MappedFile.Failure
    }

    static func mutate(_ original: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = original
        let interesting: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x2E, 0x28, 0x71]
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            guard !bytes.isEmpty else { break }
            let position = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: bytes[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &generator))
            case 1: bytes[position] = interesting.randomElement(using: &generator) ?? 0
            case 2: bytes.removeSubrange(position...)
            case 3: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
            default:
                let length = min(Int.random(in: 1...16, using: &generator), bytes.count - position)
                bytes.removeSubrange(position..<(position + length))
            }
        }
        return bytes
    }

    @Test func mutatedCheckpointsFailWithTypedErrorsOnly() throws {
        let names = ["zip_p2.pt", "zip_p4.pt", "legacy_p2.pt", "zip_bigendian.pt", "zip_plain.pt", "zip64_extra.pt"]
        let originals = try names.map { [UInt8](try Data(contentsOf: SharedFiles.tests("CheckpointsTests/Fixtures/pytorch/\($0)"))) }
        let folder = try SharedFiles.temporaryDirectory("pytorch-fuzz")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("mutant.pt").path
        var generator = SeededGenerator(state: 20_261_129)
        let deadline = Date().addingTimeInterval(Self.budget)
        var iterations = 0, loaded = 0, untyped: [String] = []
        while Date() < deadline {
            let source = originals[iterations % originals.count]
            let mutant = Self.mutate(source, using: &generator)
            try Data(mutant).write(to: URL(fileURLWithPath: path))
            iterations += 1
            do {
                let checkpoint = try PyTorchCheckpoint(path: path)
                loaded += 1
                for name in checkpoint.tensorNames {
                    do { _ = try checkpoint.tensor(named: name) } catch where Self.isTyped(error) {}
                }
            } catch where Self.isTyped(error) {
            } catch {
                untyped.append("\(iterations): \(error)")
            }
        }
        #expect(untyped.isEmpty, "untyped errors: \(untyped.prefix(5))")
        #expect(iterations > 50, "only \(iterations) mutants in \(Self.budget) s")
        #expect(loaded < iterations, "no mutant was refused, so the mutations are not reaching the parser")
    }
}
