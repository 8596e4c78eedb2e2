import Foundation
import Tensors
import TestSupport

@testable import Checkpoints

/// The fixtures written by scripts/oracles/safetensors_fixtures.py and its manifest.
enum SafetensorsFixtures {
    static func url(_ relative: String) -> URL { SharedFiles.tests("CheckpointsTests/Fixtures/safetensors/\(relative)") }

    static let manifest: JSONObject = {
        let data = (try? Data(contentsOf: url("manifest.json"))) ?? Data()
        return (try? JSONParser.parse([UInt8](data)).objectValue) ?? JSONObject()
    }()

    static func cases(_ section: String) -> [JSONObject] { manifest[section]?.arrayValue?.compactMap(\.objectValue) ?? [] }

    struct ExpectedTensor: Sendable {
        var name: String
        var dtype: DType
        var shape: [Int]
        var bytes: [UInt8]
        var values: [JSONValue]?

        var info: TensorInfo { TensorInfo(name: name, dtype: dtype, shape: shape) }

        /// A tensor holding the expected bytes, for feeding writers.
        var tensor: Tensor {
            get throws { try Tensor(dtype: dtype, shape: shape, storage: bytes.withUnsafeBytes { Storage(copying: $0) }) }
        }
    }

    static func tensors(of entry: JSONObject) -> [ExpectedTensor] {
        (entry["tensors"]?.arrayValue ?? []).compactMap { value in
            guard let object = value.objectValue, let name = object["name"]?.stringValue,
                let dtype = object["dtype"]?.stringValue.flatMap(DType.init(rawValue:)),
                let shape = object["shape"]?.arrayValue?.compactMap({ $0.numberValue?.intValue }),
                let hex = object["hex"]?.stringValue
            else { return nil }
            return ExpectedTensor(name: name, dtype: dtype, shape: shape, bytes: bytes(hex: hex), values: object["values"]?.arrayValue)
        }
    }

    static func metadata(of entry: JSONObject) -> [String: String]? {
        guard let object = entry["metadata"]?.objectValue else { return nil }
        return Dictionary(uniqueKeysWithValues: object.members.compactMap { member in member.value.stringValue.map { (member.key, $0) } })
    }

    static func bytes(hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var high: UInt8?
        for character in hex.utf8 {
            let nibble = character <= UInt8(ascii: "9") ? character - UInt8(ascii: "0") : character - UInt8(ascii: "a") + 10
            if let pending = high {
                result.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return result
    }

    /// A JSON manifest value as a Double ("nan", "inf", "-inf" spelled as strings).
    static func double(_ value: JSONValue) -> Double? {
        switch value {
        case let .number(number): return number.doubleValue
        case .string("nan"): return .nan
        case .string("inf"): return .infinity
        case .string("-inf"): return -.infinity
        default: return nil
        }
    }
}
