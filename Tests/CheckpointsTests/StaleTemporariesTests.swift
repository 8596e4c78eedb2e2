import Foundation
import TestSupport
import Testing

@testable import Checkpoints

/// What kill -9 leaves (a hidden `.NAME.partial-PID-XXXXXX`) is removed by the next write of NAME,
/// unless its writer still runs.
struct StaleTemporariesTests {
    @Test func theNextWriteRemovesLeftoversOfDeadWritersOnly() throws {
        let directory = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // No process has PID Int32.max (Linux caps PIDs at 2^22); the older form has no PID at all.
        let dead = ".out.bin.partial-\(Int32.max)-AbC123", legacy = ".out.bin.partial-Zq81xY"
        let alive = ".out.bin.partial-\(getpid())-Live00", other = ".other.bin.partial-\(Int32.max)-Keep00"
        for name in [dead, legacy, alive, other] {
            try Data([9]).write(to: directory.appendingPathComponent(name))
        }
        let path = directory.appendingPathComponent("out.bin").path
        try AtomicOutput.writeFile(at: path, overwrite: false) { file in
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            let own = names.filter { $0.hasPrefix(".out.bin.partial-\(getpid())-") && $0 != alive }
            #expect(own.count == 1, "the temporary being written carries this process's PID: \(names)")
            try file.write([1, 2, 3])
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        // The live writer's temporary and another output's are not ours to remove.
        #expect(left == [alive, other, "out.bin"].sorted())
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1, 2, 3]))
    }
}
