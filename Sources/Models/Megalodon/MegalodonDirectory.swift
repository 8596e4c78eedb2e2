import Checkpoints
import Foundation

/// Opening a canonical model directory: `config.json` (architecture "megalodon") and the weights
/// (`model.safetensors`, or shards with their index), official key names.
extension MegalodonModel {
    public init(directory: URL, arithmetic: QuantizedArithmetic = .integer) throws {
        let configFile = directory.appendingPathComponent("config.json")
        try self.init(
            config: try MegalodonConfig.load(from: configFile), weights: try ModelDirectory.open(directory.path), arithmetic: arithmetic)
    }
}
