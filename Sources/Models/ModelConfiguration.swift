import Checkpoints
import Foundation

/// The architecture a checkpoint holds (`"architecture"` in a canonical config.json). Each wing
/// declares its own (`ModelFamily.megalodon`, `.llama`); `Architectures` lists them all.
public struct ModelFamily: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// A configuration object read from JSON (the fields of the architecture's own convention: official
/// MEGALODON `ModelConf` names, Hugging Face `LlamaConfig` names), with typed field access whose
/// errors name the file.
public struct ModelConfiguration: Sendable, Equatable {
    public var family: ModelFamily
    public var fields: JSONObject
    /// Where the fields came from, for messages.
    public var origin: String

    public init(family: ModelFamily, fields: JSONObject, origin: String) {
        (self.family, self.fields, self.origin) = (family, fields, origin)
    }

    public func int(_ key: String) throws -> Int {
        guard let value = fields[key] else { throw ConversionError.invalidConfiguration(path: origin, field: key, problem: "missing") }
        guard let number = value.numberValue?.intValue else {
            throw ConversionError.invalidConfiguration(
                path: origin, field: key, problem: "expected an integer, found \(value.serialized())")
        }
        return number
    }

    public func optionalInt(_ key: String) throws -> Int? {
        guard let value = fields[key], value != .null else { return nil }
        return try int(key)
    }

    public func double(_ key: String) throws -> Double? {
        guard let value = fields[key], value != .null else { return nil }
        guard let number = value.numberValue else {
            throw ConversionError.invalidConfiguration(path: origin, field: key, problem: "expected a number, found \(value.serialized())")
        }
        return number.doubleValue
    }

    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let value = fields[key], value != .null else { return fallback }
        guard let flag = value.boolValue else {
            throw ConversionError.invalidConfiguration(
                path: origin, field: key, problem: "expected true or false, found \(value.serialized())")
        }
        return flag
    }

    /// `config.json` of the canonical model directory: `"architecture"` first, then the fields.
    public var canonicalJSON: String {
        var object = JSONObject()
        object.append(key: "architecture", value: .string(family.rawValue))
        for (key, value) in fields.members where key != "architecture" { object.append(key: key, value: value) }
        return JSONValue.object(object).serialized(.pythonIndented(2)) + "\n"
    }

    /// Rebuilds a JSON object from scalars flattened to text (`config.model_dim` = "64", as the
    /// PyTorch reader exposes the non-tensor leaves of a checkpoint), keeping keys under `prefix`.
    public static func object(fromFlattened metadata: [String: String], prefix: String) -> JSONObject? {
        let head = prefix + "."
        let keys = metadata.keys.filter { $0.hasPrefix(head) && !$0.dropFirst(head.count).contains(".") }.sorted()
        guard !keys.isEmpty else { return nil }
        var object = JSONObject()
        for key in keys {
            guard let text = metadata[key] else { continue }
            object.append(key: String(key.dropFirst(head.count)), value: scalar(text))
        }
        return object
    }

    /// Python scalars as the PyTorch reader renders them (`None`, `true`, `64`, `1e-05`) back to JSON.
    static func scalar(_ text: String) -> JSONValue {
        switch text {
        case "None": return .null
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: break
        }
        if Int(text) != nil { return .number(JSONNumber(lexeme: text)) }
        if let number = Double(text), number.isFinite,
            (try? JSONParser.parse(text)) != nil
        {
            return .number(JSONNumber(lexeme: text))
        }
        return .string(text)
    }
}
