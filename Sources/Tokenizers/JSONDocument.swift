import CJSONC
import Foundation

/// A parsed JSON file (json-c), read through `JSONNode` views that keep the document alive.
/// json-c is used because Hugging Face tokenizer files reach tens of megabytes.
final class JSONDocument: @unchecked Sendable {
    fileprivate let root: OpaquePointer

    init(path: String) throws {
        guard let root = json_object_from_file(path) else {
            let reason =
                json_util_get_last_err().map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "unreadable"
            throw TokenizerError.malformedFile(source: path, reason: "not valid JSON: \(reason)")
        }
        self.root = root
    }

    deinit { json_object_put(root) }

    var rootNode: JSONNode { JSONNode(document: self, object: root) }
}

/// One value inside a `JSONDocument`.
struct JSONNode {
    let document: JSONDocument
    let object: OpaquePointer

    subscript(key: String) -> JSONNode? {
        guard json_object_get_type(object) == json_type_object else { return nil }
        var child: OpaquePointer?
        guard json_object_object_get_ex(object, key, &child) != 0, let child else { return nil }
        return JSONNode(document: document, object: child)
    }

    var isNull: Bool { json_object_get_type(object) == json_type_null }

    /// The exact UTF-8 bytes of a string value.
    var stringBytes: [UInt8]? {
        guard json_object_get_type(object) == json_type_string, let pointer = json_object_get_string(object) else { return nil }
        let length = Int(json_object_get_string_len(object))
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    var string: String? { stringBytes.map { String(decoding: $0, as: UTF8.self) } }

    var int: Int? {
        guard json_object_get_type(object) == json_type_int else { return nil }
        return Int(json_object_get_int64(object))
    }

    var bool: Bool? {
        guard json_object_get_type(object) == json_type_boolean else { return nil }
        return json_object_get_boolean(object) != 0
    }

    var array: [JSONNode]? {
        guard json_object_get_type(object) == json_type_array else { return nil }
        let count = json_object_array_length(object)
        return (0..<count).compactMap { index in
            json_object_array_get_idx(object, index).map { JSONNode(document: document, object: $0) }
        }
    }

    /// Key/value pairs in file order.
    var entries: [(key: [UInt8], value: JSONNode)]? {
        guard json_object_get_type(object) == json_type_object else { return nil }
        var result: [(key: [UInt8], value: JSONNode)] = []
        var iterator = json_object_iter_begin(object)
        var end = json_object_iter_end(object)
        while json_object_iter_equal(&iterator, &end) == 0 {
            if let name = json_object_iter_peek_name(&iterator), let value = json_object_iter_peek_value(&iterator) {
                result.append((Array(String(cString: name).utf8), JSONNode(document: document, object: value)))
            }
            json_object_iter_next(&iterator)
        }
        return result
    }
}
