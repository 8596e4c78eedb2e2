import Foundation
import Testing
import TestSupport
@testable import Checkpoints
import Tensors

/// Shared helpers for the conversion tests.
enum ConvertFixtures {
    static func fixture(_ path: String) -> String { SharedFiles.tests("CheckpointsTests/Fixtures/" + path).path }
    static let goldenA = SharedFiles.shared("fixtures/megalodon/A_swiglu.safetensors").path
    static let goldenAPt = SharedFiles.shared("fixtures/megalodon/A_swiglu.pt").path

    /// Runs a conversion of `input` into `output` the way the CLI does.
    @discardableResult
    static func convert(_ input: String, to output: String, kind: OutputKind = .directory, names: OutputNames = .canonical, dtype: DType? = nil,
                        prefix: String? = nil, config: String? = nil, maximumShardSize: Int = .max, overwrite: Bool = false,
                        verify: Bool = true) throws -> Conversion {
        let opened = try CheckpointInput.open(input, configPath: config, prefix: prefix)
        var conversion = try Conversion(input: opened, kind: kind, names: names, dtype: dtype)
        conversion.maximumShardSize = maximumShardSize
        conversion.overwrite = overwrite
        try conversion.write(to: output)
        if verify { try conversion.verify(output) }
        return conversion
    }

    /// Expects the two sources to hold the same names with bit-identical values.
    static func expectIdentical(_ actual: TensorSource, _ expected: TensorSource, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(Set(actual.tensorNames) == Set(expected.tensorNames), sourceLocation: sourceLocation)
        for info in expected.tensorInfos {
            let (want, got) = (try expected.tensor(named: info.name), try actual.tensor(named: info.name))
            #expect(got.dtype == want.dtype && got.shape == want.shape, "\(info.name)", sourceLocation: sourceLocation)
            #expect(got.bytes.elementsEqual(want.bytes), "\(info.name) values differ", sourceLocation: sourceLocation)
        }
    }

    /// Every file name in `directory` (including hidden temporaries), or nil if it does not exist.
    static func listing(_ directory: String) -> [String]? {
        try? FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }
}
