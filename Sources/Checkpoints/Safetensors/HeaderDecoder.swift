import Tensors

/// Turns the header JSON into declared entries with the same acceptance rules as the reference's
/// serde types: `{"__metadata__": {String: String} | null, NAME: TensorInfo, ...}` where a
/// TensorInfo has `dtype` (a known dtype string), `shape` ([usize]) and `data_offsets` ((usize,
/// usize)); other fields of a TensorInfo are ignored, as serde does without `deny_unknown_fields`.
struct HeaderDecoder {
    static let metadataKey = "__metadata__"
    let path: String

    func decode(_ json: JSONValue) throws(SafetensorsError) -> DeclaredHeader {
        guard let object = json.objectValue else {
            throw .invalidHeaderStructure(path: path, tensor: nil, problem: "expected a JSON object, found \(json.kindName)")
        }
        var header = DeclaredHeader(entries: [], metadata: nil)
        header.entries.reserveCapacity(object.count)
        for (key, value) in object.members {
            if key == Self.metadataKey {
                header.metadata = try decodeMetadata(value)
            } else {
                header.entries.append(try decodeEntry(name: key, value))
            }
        }
        return header
    }

    private func decodeMetadata(_ value: JSONValue) throws(SafetensorsError) -> [(key: String, value: String)]? {
        switch value {
        case .null:
            // serde reads `Option<HashMap>` from null as None.
            return nil
        case let .object(object):
            return try object.members.map { member throws(SafetensorsError) -> (key: String, value: String) in
                guard let text = member.value.stringValue else {
                    throw .invalidMetadata(path: path, key: member.key, problem: "values must be strings, found \(member.value.kindName)")
                }
                return (member.key, text)
            }
        default:
            throw .invalidMetadata(path: path, key: nil, problem: "expected an object of strings, found \(value.kindName)")
        }
    }

    /// serde's derived `Deserialize` accepts a struct as an object (unknown fields ignored) or as an
    /// array of its fields in declaration order; the reference reads both.
    private func decodeEntry(name: String, _ value: JSONValue) throws(SafetensorsError) -> DeclaredEntry {
        let dtypeValue, shapeValue, offsetsValue: JSONValue
        switch value {
        case let .object(object):
            func field(_ key: String) throws(SafetensorsError) -> JSONValue {
                guard let value = object[key] else { throw .invalidHeaderStructure(path: path, tensor: name, problem: "missing field \"\(key)\"") }
                return value
            }
            (dtypeValue, shapeValue, offsetsValue) = (try field("dtype"), try field("shape"), try field("data_offsets"))
        case let .array(fields) where fields.count == 3:
            (dtypeValue, shapeValue, offsetsValue) = (fields[0], fields[1], fields[2])
        default:
            throw .invalidHeaderStructure(path: path, tensor: name, problem: "expected an object with dtype, shape and data_offsets, found \(value.kindName)")
        }
        let dtype = try decodeDType(dtypeValue, tensor: name)
        let shape = try unsignedIntegers(shapeValue, field: "shape", tensor: name)
        let offsets = try unsignedIntegers(offsetsValue, field: "data_offsets", tensor: name)
        guard offsets.count == 2 else {
            throw .invalidHeaderStructure(path: path, tensor: name, problem: "data_offsets must hold exactly 2 integers, found \(offsets.count)")
        }
        return DeclaredEntry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }

    /// A dtype is its name as a string, or (serde's externally tagged enum form) `{"NAME": null}`.
    private func decodeDType(_ value: JSONValue, tensor: String) throws(SafetensorsError) -> DType {
        let name: String
        switch value {
        case let .string(text):
            name = text
        case let .object(object) where object.count == 1 && object.members[0].value == .null:
            name = object.members[0].key
        default:
            throw .invalidHeaderStructure(path: path, tensor: tensor, problem: "dtype must be a string, found \(value.kindName)")
        }
        guard let dtype = DType(rawValue: name) else { throw .unknownDType(path: path, tensor: tensor, dtype: name) }
        return dtype
    }

    private func unsignedIntegers(_ value: JSONValue, field: String, tensor: String) throws(SafetensorsError) -> [UInt64] {
        guard let elements = value.arrayValue else {
            throw .invalidHeaderStructure(path: path, tensor: tensor, problem: "\(field) must be an array of integers, found \(value.kindName)")
        }
        return try elements.map { element throws(SafetensorsError) -> UInt64 in
            guard let number = element.numberValue?.uint64Value else {
                let found = element.numberValue.map { "\($0)" } ?? element.kindName
                throw .invalidHeaderStructure(path: path, tensor: tensor, problem: "\(field) entries must be integers from 0 to 2^64-1, found \(found)")
            }
            return number
        }
    }
}
