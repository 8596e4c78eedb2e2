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

    private func decodeEntry(name: String, _ value: JSONValue) throws(SafetensorsError) -> DeclaredEntry {
        guard let object = value.objectValue else {
            throw .invalidHeaderStructure(path: path, tensor: name, problem: "expected an object with dtype, shape and data_offsets, found \(value.kindName)")
        }
        func field(_ key: String) throws(SafetensorsError) -> JSONValue {
            guard let value = object[key] else { throw .invalidHeaderStructure(path: path, tensor: name, problem: "missing field \"\(key)\"") }
            return value
        }
        let dtypeValue = try field("dtype")
        guard let dtypeName = dtypeValue.stringValue else {
            throw .invalidHeaderStructure(path: path, tensor: name, problem: "dtype must be a string, found \(dtypeValue.kindName)")
        }
        guard let dtype = DType(rawValue: dtypeName) else { throw .unknownDType(path: path, tensor: name, dtype: dtypeName) }
        let shape = try unsignedIntegers(try field("shape"), field: "shape", tensor: name)
        let offsets = try unsignedIntegers(try field("data_offsets"), field: "data_offsets", tensor: name)
        guard offsets.count == 2 else {
            throw .invalidHeaderStructure(path: path, tensor: name, problem: "data_offsets must hold exactly 2 integers, found \(offsets.count)")
        }
        return DeclaredEntry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
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
