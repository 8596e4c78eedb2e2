import CJSONC
import Foundation

/// A parsed JSON file (json-c), read through `JSONNode` views that keep the document alive.
/// json-c is used because Hugging Face tokenizer files reach tens of megabytes.
final class JSONDocument: @unchecked Sendable {
    fileprivate let root: OpaquePointer
    /// The file's memory budget with json-c's tree already spent, for what is built from the tree.
    let memoryBudget: JSONMemoryBudget

    /// Refuses a file whose tree json-c would build out of proportion to its size (see
    /// `JSONMemoryEstimate`) before parsing it. The bytes counted are the bytes parsed (read once),
    /// and json-c runs in strict mode, so comments and single-quoted strings, which the count does
    /// not know, cannot hide values from it.
    init(path: String) throws {
        // An empty file is refused before Foundation reads it: `Data(contentsOf:)` leaks its 4 KB read
        // buffer on one (LeakSanitizer, `scripts/fuzz tokenizer-json`, swift-foundation of Swift 6.3.1).
        if let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, size == 0 {
            throw TokenizerError.malformedFile(source: path, reason: "empty file")
        }
        let text: Data
        do { text = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) } catch {
            throw TokenizerError.malformedFile(source: path, reason: "unreadable: \(error.localizedDescription)")
        }
        (root, memoryBudget) = try text.withUnsafeBytes { bytes in
            var budget = JSONMemoryBudget(source: path, limit: JSONMemoryEstimate.budget(forFileSize: bytes.count), spent: 0)
            try budget.spend(JSONMemoryEstimate(scanning: bytes).bytes)
            return (try Self.parseStrictly(bytes, source: path), budget)
        }
    }

    private static func parseStrictly(_ bytes: UnsafeRawBufferPointer, source: String) throws -> OpaquePointer {
        guard let tokener = json_tokener_new() else { throw TokenizerError.malformedFile(source: source, reason: "out of memory") }
        defer { json_tokener_free(tokener) }
        json_tokener_set_flags(tokener, JSON_TOKENER_STRICT)
        // json-c takes an Int32 length, so larger files go in pieces it joins itself.
        let pieceSize = 1 << 30
        var result: OpaquePointer?
        var offset = 0
        while offset < bytes.count, let base = bytes.baseAddress {
            let length = min(pieceSize, bytes.count - offset)
            result = json_tokener_parse_ex(tokener, (base + offset).assumingMemoryBound(to: CChar.self), Int32(length))
            offset += length
            if json_tokener_get_error(tokener) != json_tokener_continue { break }
        }
        if bytes.isEmpty || json_tokener_get_error(tokener) == json_tokener_continue {
            // The terminating NUL ends a value still open at the end of the text (or reports it cut short).
            result = json_tokener_parse_ex(tokener, "", 1)
        }
        let error = json_tokener_get_error(tokener)
        guard error == json_tokener_success, let result else {
            json_object_put(result)
            let reason = json_tokener_error_desc(error).map { String(cString: $0) } ?? "unreadable"
            throw TokenizerError.malformedFile(source: source, reason: "not valid JSON: \(reason)")
        }
        // Strict mode rejects trailing text within a piece; a value ending exactly at a piece's end
        // leaves the later pieces unread.
        let unread = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        guard unread.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) else {
            json_object_put(result)
            throw TokenizerError.malformedFile(source: source, reason: "not valid JSON: text after the value")
        }
        return result
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

    var isObject: Bool { json_object_get_type(object) == json_type_object }

    /// The length of an array value, its JSON nulls included.
    var arrayCount: Int? {
        guard json_object_get_type(object) == json_type_array else { return nil }
        return json_object_array_length(object)
    }

    /// Element `index` of an array value; nil past its end and for a JSON null (json-c holds no node for one).
    func element(_ index: Int) -> JSONNode? {
        guard let count = arrayCount, index >= 0, index < count else { return nil }
        return json_object_array_get_idx(object, index).map { JSONNode(document: document, object: $0) }
    }

    /// The elements of an array value, JSON nulls left out.
    var array: [JSONNode]? { arrayCount.map { (0..<$0).compactMap(element) } }

    /// Visits the elements of an array value as `array` lists them, freeing each from the tree as
    /// soon as `body` returns, so a long list converted into other tables is not held twice. Neither
    /// the element nor anything under it may be used afterwards.
    func consumeElements(_ body: (_ position: Int, _ element: JSONNode) throws -> Void) rethrows {
        var position = 0
        for index in 0..<(arrayCount ?? 0) {
            guard let element = element(index) else { continue }
            try body(position, element)
            position += 1
            // json-c frees the value a slot held when the slot is overwritten.
            json_object_array_put_idx(object, index, nil)
        }
    }

    /// Frees member `key` of an object value and everything under it; no node into it may be used afterwards.
    func removeMember(_ key: String) {
        guard isObject else { return }
        json_object_object_del(object, key)
    }

    /// Calls `body` with each key/value pair of an object value in file order (JSON nulls left out),
    /// without gathering them first.
    func forEachEntry(_ body: (_ key: [UInt8], _ value: JSONNode) throws -> Void) rethrows {
        guard isObject else { return }
        var iterator = json_object_iter_begin(object)
        var end = json_object_iter_end(object)
        while json_object_iter_equal(&iterator, &end) == 0 {
            if let name = json_object_iter_peek_name(&iterator), let value = json_object_iter_peek_value(&iterator) {
                try body(Array(String(cString: name).utf8), JSONNode(document: document, object: value))
            }
            json_object_iter_next(&iterator)
        }
    }
}
