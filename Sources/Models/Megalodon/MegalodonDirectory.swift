import Foundation

/// Opening a canonical model directory: `config.json` (architecture "megalodon") and the weights in
/// `model.safetensors`, official key names.
extension MegalodonModel {
    public enum DirectoryFailure: Error, Equatable, CustomStringConvertible {
        case missingFile(String)
        case shardedWeightsUnsupported(String)

        public var description: String {
            switch self {
            case let .missingFile(path): return "\(path): no such file (a MEGALODON model directory holds config.json and model.safetensors)"
            case let .shardedWeightsUnsupported(path): return "\(path): sharded weights are not supported yet; merge them into model.safetensors"
            }
        }
    }

    public init(directory: URL) throws {
        let configFile = directory.appendingPathComponent("config.json")
        let weightsFile = directory.appendingPathComponent("model.safetensors")
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        let files = FileManager.default
        guard files.fileExists(atPath: configFile.path) else { throw DirectoryFailure.missingFile(configFile.path) }
        guard files.fileExists(atPath: weightsFile.path) else {
            throw files.fileExists(atPath: index.path) ? DirectoryFailure.shardedWeightsUnsupported(index.path) : DirectoryFailure.missingFile(weightsFile.path)
        }
        try self.init(config: try MegalodonConfig.load(from: configFile), weights: try SafetensorsFile(path: weightsFile.path))
    }
}
