import Tensors

/// Decoding and validating the container's JSON index (formats/zstd-container.md):
/// `{"format": "megalodon-zstd", "metadata": {String: String}, "tensors": [{name, dtype, shape,
/// offset, compressed_size, size, byte_planes, xxh64}, ...]}`, unknown keys ignored.
///
/// Read with `JSONScanner`, never through a generic tree: a first pass checks the syntax, a second
/// keeps only the entries' fields, so memory follows the entries (at most 16 dimensions each),
/// not the text.
enum ZstdContainerIndex {
    static let maximumRank = 16

    static func decode(_ text: UnsafeRawBufferPointer, path: String, dataEnd: Int) throws -> ([ZstdContainer.Entry], [String: String]) {
        func invalid(_ problem: String) -> ZstdContainerError { .invalidIndex(path: path, problem: problem) }
        if let offset = JSONParser.firstInvalidUTF8Offset(text) { throw invalid(JSONParseError.invalidUTF8(offset: offset).description) }
        var syntax = JSONScanner(bytes: text)
        do { try syntax.validateDocument(maximumDepth: JSONParser.defaultMaximumDepth) } catch { throw invalid("\(error)") }
        var reader = IndexReader(scanner: JSONScanner(bytes: text), path: path)
        do {
            let root = try reader.rootMembers()
            guard let format = root["format"], try reader.string(at: format) == "megalodon-zstd" else {
                throw invalid("\"format\" must be \"megalodon-zstd\"")
            }
            let metadata = try root["metadata"].map { offset throws in try reader.metadata(at: offset) } ?? [:]
            guard let tensors = root["tensors"] else { throw invalid("\"tensors\" must be an array") }
            let entries = try reader.entries(at: tensors, dataEnd: dataEnd)
            let sorted = entries.sorted { $0.offset < $1.offset }
            for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.offset + previous.compressedSize > next.offset {
                throw ZstdContainerError.overlappingFrames(path: path, tensor: next.info.name)
            }
            return (entries, metadata)
        } catch let error as JSONParseError {
            throw invalid("\(error)")
        }
    }
}

/// Walks the already syntax-checked index text; JSON errors can only come from a reader bug.
private struct IndexReader {
    var scanner: JSONScanner
    let path: String
    let depthLimit = JSONParser.defaultMaximumDepth

    init(scanner: JSONScanner, path: String) {
        self.scanner = scanner
        self.path = path
    }

    private func invalid(_ problem: String) -> ZstdContainerError { .invalidIndex(path: path, problem: problem) }

    /// Where the root's known members start; the root must be an object and may not repeat them.
    mutating func rootMembers() throws -> [String: Int] {
        scanner.skipWhitespace()
        guard scanner.peek() == UInt8(ascii: "{") else { throw invalid("expected a JSON object") }
        var positions: [String: Int] = [:]
        if try scanner.enter(depth: 1, maximumDepth: depthLimit) { return positions }
        repeat {
            let (key, offset) = try scanner.readKey()
            if ["format", "metadata", "tensors"].contains(key) {
                guard positions.updateValue(scanner.position, forKey: key) == nil else {
                    throw invalid(JSONParseError.duplicateKey(key, offset: offset).description)
                }
            }
            try scanner.skipValue(depth: 1, maximumDepth: depthLimit)
        } while try scanner.next(inObject: true)
        return positions
    }

    /// The string at `offset`, or nil when the value there is not a string.
    mutating func string(at offset: Int) throws -> String? {
        scanner.position = offset
        return scanner.peek() == UInt8(ascii: "\"") ? try scanner.readString() : nil
    }

    mutating func metadata(at offset: Int) throws -> [String: String] {
        scanner.position = offset
        guard scanner.peek() == UInt8(ascii: "{") else { throw invalid("\"metadata\" must be an object") }
        var metadata: [String: String] = [:]
        if try scanner.enter(depth: 2, maximumDepth: depthLimit) { return metadata }
        repeat {
            let (key, keyOffset) = try scanner.readKey()
            guard scanner.peek() == UInt8(ascii: "\"") else { throw invalid("metadata \"\(key)\" must be a string") }
            guard metadata.updateValue(try scanner.readString(), forKey: key) == nil else {
                throw invalid(JSONParseError.duplicateKey(key, offset: keyOffset).description)
            }
        } while try scanner.next(inObject: true)
        return metadata
    }

    mutating func entries(at offset: Int, dataEnd: Int) throws -> [ZstdContainer.Entry] {
        scanner.position = offset
        guard scanner.peek() == UInt8(ascii: "[") else { throw invalid("\"tensors\" must be an array") }
        var entries: [ZstdContainer.Entry] = []
        if try scanner.enter(depth: 2, maximumDepth: depthLimit) { return entries }
        repeat {
            entries.append(try entry(position: entries.count).validated(path: path, dataEnd: dataEnd))
        } while try scanner.next(inObject: false)
        return entries
    }

    /// One entry's fields as found, in any order; checked afterwards in a fixed order.
    private mutating func entry(position: Int) throws -> IndexFields {
        guard scanner.peek() == UInt8(ascii: "{") else { throw invalid("tensors[\(position)] must be an object with a string \"name\"") }
        var fields = IndexFields()
        var seen = Set<String>()
        if try scanner.enter(depth: 3, maximumDepth: depthLimit) {
            throw invalid("tensors[\(position)] must be an object with a string \"name\"")
        }
        repeat {
            let (key, keyOffset) = try scanner.readKey()
            guard IndexFields.keys.contains(key) else {
                try scanner.skipValue(depth: 3, maximumDepth: depthLimit)
                continue
            }
            guard seen.insert(key).inserted else { throw invalid(JSONParseError.duplicateKey(key, offset: keyOffset).description) }
            let start = scanner.position
            switch key {
            case "name": fields.name = try stringValue()
            case "dtype": fields.dtype = try stringValue()
            case "xxh64": fields.xxh64 = try stringValue()
            case "shape": fields.shape = try shape()
            default: fields.counts[key] = try count()
            }
            if key == "dtype" { fields.dtypeText = String(scanner.text(start..<min(scanner.position, start + 64))) }
        } while try scanner.next(inObject: true)
        guard fields.name != nil else { throw invalid("tensors[\(position)] must be an object with a string \"name\"") }
        return fields
    }

    private mutating func stringValue() throws -> String? {
        if scanner.peek() == UInt8(ascii: "\"") { return try scanner.readString() }
        try scanner.skipValue(depth: 3, maximumDepth: depthLimit)
        return nil
    }

    /// A non-negative integer that fits an `Int`, or nil for anything else.
    private mutating func count() throws -> Int? {
        guard let byte = scanner.peek(), byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) else {
            try scanner.skipValue(depth: 3, maximumDepth: depthLimit)
            return nil
        }
        guard let value = try scanner.readNumber().unsigned, value <= UInt64(Int.max) else { return nil }
        return Int(value)
    }

    private mutating func shape() throws -> IndexFields.Shape {
        guard scanner.peek() == UInt8(ascii: "[") else {
            try scanner.skipValue(depth: 3, maximumDepth: depthLimit)
            return .notAnArray
        }
        var dimensions: [Int] = []
        var result = IndexFields.Shape.dimensions([])
        if try scanner.enter(depth: 4, maximumDepth: depthLimit) { return result }
        repeat {
            let dimension = try count()
            guard case .dimensions = result else { continue }
            if dimension == nil { result = .invalidDimension; continue }
            if dimensions.count == ZstdContainerIndex.maximumRank { result = .tooManyDimensions; continue }
            dimensions.append(dimension!)
            result = .dimensions(dimensions)
        } while try scanner.next(inObject: false)
        return result
    }
}

private struct IndexFields {
    enum Shape {
        case missing, notAnArray, invalidDimension, tooManyDimensions
        case dimensions([Int])
    }

    static let keys: Set<String> = ["name", "dtype", "shape", "offset", "compressed_size", "size", "byte_planes", "xxh64"]
    var name: String?
    var dtype: String?
    var dtypeText = "(missing)"
    var shape = Shape.missing
    var counts: [String: Int] = [:]
    var xxh64: String?

    /// The same checks, in the same order, as the index has always had.
    func validated(path: String, dataEnd: Int) throws -> ZstdContainer.Entry {
        let name = name ?? ""
        func fail(_ problem: String) -> ZstdContainerError { .invalidEntry(path: path, tensor: name, problem: problem) }
        func count(_ key: String) throws -> Int {
            guard let value = counts[key] else { throw fail("\"\(key)\" must be a non-negative integer") }
            return value
        }
        guard let dtypeName = dtype, let dtype = DType(rawValue: dtypeName), dtype.byteWidth != nil else {
            throw fail("unknown dtype \(dtypeText)")
        }
        let shape: [Int]
        switch self.shape {
        case .missing, .notAnArray: throw fail("\"shape\" must be an array")
        case .invalidDimension: throw fail("shape entries must be non-negative integers")
        case .tooManyDimensions: throw fail("shape has more than \(ZstdContainerIndex.maximumRank) dimensions, too large")
        case let .dimensions(dimensions): shape = dimensions
        }
        guard let elements = Tensor.elementCount(of: shape), let expected = dtype.byteCount(elements: elements) else {
            throw fail("shape \(shape) is too large")
        }
        let (offset, compressed, size, planes) = (
            try count("offset"), try count("compressed_size"), try count("size"), try count("byte_planes")
        )
        guard size == expected else { throw fail("size \(size) does not match \(dtype) \(shape) (\(expected) bytes)") }
        guard planes == 1 || planes == dtype.byteWidth else { throw fail("byte_planes must be 1 or the element width") }
        let (end, overflow) = offset.addingReportingOverflow(compressed)
        guard offset >= ZstdContainer.headerSize, !overflow, end <= dataEnd, compressed > 0 else {
            throw fail("frame \(offset)+\(compressed) lies outside the data section (8..<\(dataEnd))")
        }
        let (largest, expansionOverflow) = compressed.multipliedReportingOverflow(by: ZstdContainer.maximumExpansion)
        guard expansionOverflow || size <= largest else {
            throw ZstdContainerError.sizeBeyondFrameExpansion(path: path, tensor: name, size: size, compressedSize: compressed)
        }
        guard let hex = xxh64, hex.utf8.count == 16, let checksum = UInt64(hex, radix: 16) else {
            throw fail("\"xxh64\" must be 16 hex digits")
        }
        return ZstdContainer.Entry(
            info: TensorInfo(name: name, dtype: dtype, shape: shape), offset: offset, compressedSize: compressed,
            bytePlanes: planes, checksum: checksum)
    }
}
