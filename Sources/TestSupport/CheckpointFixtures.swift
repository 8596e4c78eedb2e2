import Checkpoints
import Foundation
import Testing

/// Helpers shared by the checkpoint-format and conversion tests: the committed fixtures under
/// Tests/CheckpointsTests/Fixtures, the golden MEGALODON checkpoint, and bit-exact comparison.
public enum CheckpointFixtures {
    public static func fixture(_ path: String) -> String { SharedFiles.tests("CheckpointsTests/Fixtures/" + path).path }
    public static let goldenA = SharedFiles.shared("fixtures/megalodon/A_swiglu.safetensors").path
    public static let goldenAPt = SharedFiles.shared("fixtures/megalodon/A_swiglu.pt").path

    /// Expects the two sources to hold the same names with bit-identical values.
    public static func expectIdentical(
        _ actual: TensorSource, _ expected: TensorSource, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(Set(actual.tensorNames) == Set(expected.tensorNames), sourceLocation: sourceLocation)
        for info in expected.tensorInfos {
            let (want, got) = (try expected.tensor(named: info.name), try actual.tensor(named: info.name))
            #expect(got.dtype == want.dtype && got.shape == want.shape, "\(info.name)", sourceLocation: sourceLocation)
            #expect(got.bytes.elementsEqual(want.bytes), "\(info.name) values differ", sourceLocation: sourceLocation)
        }
    }

    /// Every file name in `directory` (including hidden temporaries), or nil if it does not exist.
    public static func listing(_ directory: String) -> [String]? {
        try? FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }
}
