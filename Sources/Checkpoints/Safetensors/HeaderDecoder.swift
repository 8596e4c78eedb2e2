import Tensors

/// Reads the header JSON straight into declared entries, with the same acceptance rules as the
/// reference's serde types: `{"__metadata__": {String: String} | null, NAME: TensorInfo, ...}` where
/// a TensorInfo has `dtype` (a known dtype string), `shape` ([usize]) and `data_offsets` ((usize,
/// usize)); other fields of a TensorInfo are skipped, as serde does without `deny_unknown_fields`.
///
/// No generic JSON tree is built (one used to take 17.5 bytes of memory per header byte): a first
/// pass checks the syntax without keeping anything, a second keeps only names, dtypes, shapes and
/// offsets. Memory is then bounded by the input: every entry needs at least 18 bytes of text and a
/// name byte at least one byte of text; shapes hold at most `maximumRank` dimensions and nesting is
/// at most `JSONParser.defaultMaximumDepth` levels.
struct HeaderDecoder {
    static let metadataKey = "__metadata__"
    /// numpy 2's limit on dimensions (NPY_MAXDIMS); the reference has none, but a longer shape can
    /// only describe an empty tensor or overflow, and would let one entry hold 8 bytes per 2 of text.
    static let maximumRank = 64
    let path: String

    func decode(_ text: UnsafeRawBufferPointer) throws(SafetensorsError) -> DeclaredHeader {
        if let offset = JSONParser.firstInvalidUTF8Offset(text) { throw .headerNotUTF8(path: path, byteOffset: offset) }
        var syntax = JSONScanner(bytes: text)
        do { try syntax.validateDocument(maximumDepth: JSONParser.defaultMaximumDepth) } catch {
            throw .invalidHeaderJSON(path: path, error)
        }
        var reader = Reader(scanner: JSONScanner(bytes: text), path: path)
        do {
            return try reader.header()
        } catch let error as SafetensorsError {
            throw error
        } catch {
            // The syntax was checked above, so only a reader bug can get here.
            throw .invalidHeaderJSON(path: path, error as? JSONParseError ?? .unexpectedEnd)
        }
    }
}

private struct Reader {
    var scanner: JSONScanner
    let path: String

    init(scanner: JSONScanner, path: String) {
        self.scanner = scanner
        self.path = path
    }

    private func structure(_ tensor: String?, _ problem: String) -> SafetensorsError {
        .invalidHeaderStructure(path: path, tensor: tensor, problem: problem)
    }

    mutating func header() throws -> DeclaredHeader {
        scanner.skipWhitespace()
        guard scanner.peek() == UInt8(ascii: "{") else { throw structure(nil, "expected a JSON object, found \(scanner.kindAhead)") }
        var header = DeclaredHeader(entries: [], metadata: nil)
        if try scanner.enter(depth: 1, maximumDepth: JSONParser.defaultMaximumDepth) { return header }
        var names = Set<String>()
        var sawMetadata = false
        repeat {
            let (key, _) = try scanner.readKey()
            if key == HeaderDecoder.metadataKey {
                guard !sawMetadata else { throw SafetensorsError.duplicateKey(path: path, key: key) }
                sawMetadata = true
                header.metadata = try metadata()
            } else {
                guard names.insert(key).inserted else { throw SafetensorsError.duplicateKey(path: path, key: key) }
                header.entries.append(try entry(name: key))
            }
        } while try scanner.next(inObject: true)
        return header
    }

    private mutating func metadata() throws -> [(key: String, value: String)]? {
        switch scanner.peek() {
        case UInt8(ascii: "n"):
            // serde reads `Option<HashMap>` from null as None.
            try scanner.expect("null")
            return nil
        case UInt8(ascii: "{"):
            var members: [(key: String, value: String)] = []
            if try scanner.enter(depth: 2, maximumDepth: JSONParser.defaultMaximumDepth) { return members }
            var keys = Set<String>()
            repeat {
                let (key, _) = try scanner.readKey()
                guard keys.insert(key).inserted else { throw SafetensorsError.duplicateKey(path: path, key: key) }
                guard scanner.peek() == UInt8(ascii: "\"") else {
                    throw SafetensorsError.invalidMetadata(
                        path: path, key: key, problem: "values must be strings, found \(scanner.kindAhead)")
                }
                members.append((key, try scanner.readString()))
            } while try scanner.next(inObject: true)
            return members
        default:
            throw SafetensorsError.invalidMetadata(
                path: path, key: nil, problem: "expected an object of strings, found \(scanner.kindAhead)")
        }
    }

    /// serde's derived `Deserialize` accepts a struct as an object (unknown fields ignored) or as an
    /// array of its fields in declaration order; the reference reads both.
    private mutating func entry(name: String) throws -> DeclaredEntry {
        var dtype: DType?, shape: [UInt64]?, offsets: (values: [UInt64], count: Int)?
        let fieldCount = scanner.peek() == UInt8(ascii: "[") ? try arrayCountAhead() : nil
        switch scanner.peek() {
        case UInt8(ascii: "{"):
            if try !scanner.enter(depth: 2, maximumDepth: JSONParser.defaultMaximumDepth) {
                repeat {
                    let (key, _) = try scanner.readKey()
                    switch key {
                    case "dtype":
                        guard dtype == nil else { throw SafetensorsError.duplicateKey(path: path, key: key) }
                        dtype = try self.dtype(tensor: name)
                    case "shape":
                        guard shape == nil else { throw SafetensorsError.duplicateKey(path: path, key: key) }
                        shape = try unsignedIntegers(field: "shape", tensor: name, keeping: HeaderDecoder.maximumRank).values
                    case "data_offsets":
                        guard offsets == nil else { throw SafetensorsError.duplicateKey(path: path, key: key) }
                        offsets = try unsignedIntegers(field: "data_offsets", tensor: name, keeping: 2)
                    default:
                        try scanner.skipValue(depth: 2, maximumDepth: JSONParser.defaultMaximumDepth)
                    }
                } while try scanner.next(inObject: true)
            }
            for (field, present) in [("dtype", dtype != nil), ("shape", shape != nil), ("data_offsets", offsets != nil)] where !present {
                throw structure(name, "missing field \"\(field)\"")
            }
        case UInt8(ascii: "[") where fieldCount == 3:
            _ = try scanner.enter(depth: 2, maximumDepth: JSONParser.defaultMaximumDepth)
            dtype = try self.dtype(tensor: name)
            _ = try scanner.next(inObject: false)
            shape = try unsignedIntegers(field: "shape", tensor: name, keeping: HeaderDecoder.maximumRank).values
            _ = try scanner.next(inObject: false)
            offsets = try unsignedIntegers(field: "data_offsets", tensor: name, keeping: 2)
            _ = try scanner.next(inObject: false)
        default:
            throw structure(name, "expected an object with dtype, shape and data_offsets, found \(scanner.kindAhead)")
        }
        guard let dtype, let shape, let offsets else { throw structure(name, "missing field") }
        guard offsets.count == 2 else { throw structure(name, "data_offsets must hold exactly 2 integers, found \(offsets.count)") }
        return DeclaredEntry(name: name, dtype: dtype, shape: shape, begin: offsets.values[0], end: offsets.values[1])
    }

    /// The number of elements of the array at the cursor, found by skipping it (nothing is kept).
    private mutating func arrayCountAhead() throws -> Int {
        let start = scanner.position
        defer { scanner.position = start }
        var count = 0
        if try scanner.enter(depth: 2, maximumDepth: JSONParser.defaultMaximumDepth) { return 0 }
        repeat {
            count += 1
            try scanner.skipValue(depth: 2, maximumDepth: JSONParser.defaultMaximumDepth)
        } while try scanner.next(inObject: false)
        return count
    }

    /// A dtype is its name as a string, or (serde's externally tagged enum form) `{"NAME": null}`.
    private mutating func dtype(tensor: String) throws -> DType {
        let name: String
        if scanner.peek() == UInt8(ascii: "\"") {
            name = try scanner.readString()
        } else if let tagged = try taggedName() {
            name = tagged
        } else {
            throw structure(tensor, "dtype must be a string, found \(scanner.kindAhead)")
        }
        guard let dtype = DType(rawValue: name) else { throw SafetensorsError.unknownDType(path: path, tensor: tensor, dtype: name) }
        return dtype
    }

    /// Reads `{"NAME": null}` and returns NAME; anything else leaves the cursor where it was.
    private mutating func taggedName() throws -> String? {
        let start = scanner.position
        guard scanner.peek() == UInt8(ascii: "{"), try !scanner.enter(depth: 3, maximumDepth: JSONParser.defaultMaximumDepth) else {
            scanner.position = start
            return nil
        }
        let (name, _) = try scanner.readKey()
        if scanner.peek() == UInt8(ascii: "n") {
            try scanner.expect("null")
            if try !scanner.next(inObject: true) { return name }
        }
        scanner.position = start
        return nil
    }

    /// Reads an array of unsigned integers, keeping at most `keeping` of them (a longer shape is
    /// refused with `shapeRankTooLarge`; longer data_offsets are only counted, for the message).
    private mutating func unsignedIntegers(field: String, tensor: String, keeping limit: Int) throws -> (values: [UInt64], count: Int) {
        guard scanner.peek() == UInt8(ascii: "[") else {
            throw structure(tensor, "\(field) must be an array of integers, found \(scanner.kindAhead)")
        }
        var values: [UInt64] = []
        if try scanner.enter(depth: 3, maximumDepth: JSONParser.defaultMaximumDepth) { return (values, 0) }
        var count = 0
        repeat {
            guard scanner.peek().map({ $0 == UInt8(ascii: "-") || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }) ?? false else {
                throw structure(tensor, "\(field) entries must be integers from 0 to 2^64-1, found \(scanner.kindAhead)")
            }
            let number = try scanner.readNumber()
            guard let value = number.unsigned else {
                throw structure(tensor, "\(field) entries must be integers from 0 to 2^64-1, found \(scanner.text(number.lexeme))")
            }
            count += 1
            if count <= limit {
                values.append(value)
            } else if field == "shape" {
                throw SafetensorsError.shapeRankTooLarge(path: path, tensor: tensor, limit: limit)
            }
        } while try scanner.next(inObject: false)
        return (values, count)
    }
}
