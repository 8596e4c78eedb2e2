import Checkpoints
import Tensors
import TestSupport

@testable import Conversion

typealias ConvertFixtures = CheckpointFixtures

extension CheckpointFixtures {
    /// Runs a conversion of `input` into `output` the way the CLI does.
    @discardableResult
    static func convert(
        _ input: String, to output: String, kind: OutputKind = .directory, names: OutputNames = .canonical, dtype: DType? = nil,
        prefix: String? = nil, config: String? = nil, maximumShardSize: Int = .max, overwrite: Bool = false,
        verify: Bool = true
    ) throws -> Conversion {
        let opened = try CheckpointInput.open(input, configPath: config, prefix: prefix)
        var conversion = try Conversion(input: opened, kind: kind, names: names, dtype: dtype)
        conversion.maximumShardSize = maximumShardSize
        conversion.overwrite = overwrite
        try conversion.write(to: output)
        if verify { try conversion.verify(output) }
        return conversion
    }
}
