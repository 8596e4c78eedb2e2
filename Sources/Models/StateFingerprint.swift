import Checkpoints
import Foundation
import Tensors

/// The text a saved state records of the configuration that produced it: compact JSON with sorted
/// keys, so equal configurations give equal text.
func configurationFingerprint<Configuration: Encodable>(_ configuration: Configuration) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(configuration), as: UTF8.self)
}

/// Why a saved state could not be read back (shared by the engines' state files).
public enum ModelStateFileFailure: Error, Equatable, CustomStringConvertible {
    case notAStateFile(path: String)
    case otherModel(path: String)
    case badTensor(path: String, tensor: String, reason: String)

    public var description: String {
        switch self {
        case let .notAStateFile(path): return "\(path): not a state file of this engine (metadata format/version missing or different)"
        case let .otherModel(path): return "\(path): the state was saved by a model with a different configuration"
        case let .badTensor(path, tensor, reason): return "\(path): \(tensor): \(reason)"
        }
    }
}

/// The bytes of a model's `config.json`, given the directory or the file itself.
func readConfigFile(at url: URL) -> (path: String, data: Result<Data, Error>) {
    var isDirectory: ObjCBool = false
    let file =
        FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
        ? url.appendingPathComponent("config.json") : url
    return (file.path, Result { try Data(contentsOf: file) })
}

/// The safetensors layout both engines save states in: named tensors plus metadata `format`,
/// `version` and the producing model's `config` fingerprint.
struct StateFileKind {
    let format: String
    let version: String

    /// Writes `tensors` to `path` atomically; refuses to replace a file unless `overwrite`.
    func write<Configuration: Encodable>(
        _ tensors: [(String, Tensor)], configuration: Configuration, to path: String, overwrite: Bool
    ) throws {
        let byName = Dictionary(uniqueKeysWithValues: tensors)
        let metadata: SafetensorsMetadata = [
            ("config", try configurationFingerprint(configuration)), ("format", format), ("version", version),
        ]
        try SafetensorsWriter.write(
            to: path, tensors: tensors.map { TensorInfo(name: $0.0, dtype: $0.1.dtype, shape: $0.1.shape) },
            metadata: metadata, overwrite: overwrite
        ) { info in
            guard let tensor = byName[info.name] else {
                throw ModelStateFileFailure.badTensor(path: path, tensor: info.name, reason: "not produced")
            }
            return tensor
        }
    }

    /// Opens `path` after checking it is this kind of state file, saved under `configuration`.
    func open<Configuration: Encodable>(_ path: String, configuration: Configuration) throws -> SafetensorsFile {
        let file = try SafetensorsFile(path: path)
        guard file.metadata["format"] == format, file.metadata["version"] == version else {
            throw ModelStateFileFailure.notAStateFile(path: path)
        }
        guard file.metadata["config"] == (try configurationFingerprint(configuration)) else {
            throw ModelStateFileFailure.otherModel(path: path)
        }
        return file
    }
}
