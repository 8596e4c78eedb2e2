import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints

/// Seeded mutation fuzzing of the zip, legacy and pickle readers: every mutated file must either load
/// (and then every tensor must read or fail with a typed error) or be refused with a typed error.
/// A crash fails the run. ~5 s by default (see MutationFuzzCampaign for longer runs).
@Suite struct PyTorchFuzzTests {
    static func isTyped(_ error: Error) -> Bool {
        error is PyTorchError || error is PickleError || error is ZipError || error is Tensor.Failure || error is MappedFile.Failure
    }

    @Test func mutatedCheckpointsFailWithTypedErrorsOnly() throws {
        let names = ["zip_p2.pt", "zip_p4.pt", "legacy_p2.pt", "zip_bigendian.pt", "zip_plain.pt", "zip64_extra.pt"]
        let originals = try names.map { [UInt8](try Data(contentsOf: SharedFiles.tests("CheckpointsTests/Fixtures/pytorch/\($0)"))) }
        let folder = try SharedFiles.temporaryDirectory("pytorch-fuzz")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("mutant.pt").path
        let campaign = MutationFuzzCampaign(defaultSeconds: 5, defaultSeed: 20_261_129)
        var loaded = 0, untyped: [String] = []
        let iterations = try campaign.run(corpus: originals) { mutant in
            try Data(mutant).write(to: URL(fileURLWithPath: path))
            do {
                let checkpoint = try PyTorchCheckpoint(path: path)
                loaded += 1
                for name in checkpoint.tensorNames {
                    do { _ = try checkpoint.tensor(named: name) } catch  where Self.isTyped(error) {}
                }
            } catch  where Self.isTyped(error) {
            } catch {
                untyped.append("\(error)")
            }
        }
        #expect(untyped.isEmpty, "untyped errors: \(untyped.prefix(5))")
        #expect(iterations > 50, "only \(iterations) mutants in \(campaign.seconds) s")
        #expect(loaded < iterations, "no mutant was refused, so the mutations are not reaching the parser")
    }
}
