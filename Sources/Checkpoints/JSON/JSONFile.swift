import Foundation

/// Reading a whole JSON file that must hold one object (configurations, tokenizer files), with
/// errors that name the file.
public enum JSONFile {
    public static func readObject(at path: String) throws -> JSONObject {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConversionError.invalidConfiguration(path: path, field: "", problem: "cannot read the file")
        }
        let value: JSONValue
        do { value = try JSONParser.parse([UInt8](data)) } catch {
            throw ConversionError.invalidConfiguration(path: path, field: "", problem: "not valid JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw ConversionError.invalidConfiguration(path: path, field: "", problem: "expected a JSON object")
        }
        return object
    }
}
