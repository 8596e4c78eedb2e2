import Tensors

/// One tensor as a GGUF file describes it.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    public let type: GGMLType
    /// Dimensions in ggml order, innermost first: `ggmlShape[0]` is the row length.
    public let ggmlShape: [Int]
    /// Offset of the data from the start of the data section (as stored).
    public let offset: Int
    /// Absolute byte range of the data inside the file.
    public let byteRange: Range<Int>

    /// Dimensions in our row-major convention (outermost first): `ggmlShape` reversed. A PyTorch
    /// `[out, in]` weight, stored by the converters as `ne = [in, out]`, reads back as `[out, in]`.
    public var shape: [Int] { ggmlShape.reversed() }
    public var elementCount: Int { ggmlShape.reduce(1, *) }
}

/// The block bytes of one tensor exactly as stored, for kernels that compute on quantized blocks.
public struct GGUFRawTensor: Sendable {
    public let type: GGMLType
    /// Row-major shape (outermost first); the last dimension is the row that blocks run along.
    public let shape: [Int]
    /// `elementCount / type.blockSize` blocks of `type.blockByteCount` bytes, a zero-copy view
    /// of the mapped file.
    public let storage: Storage
}

/// A GGUF file (versions 2 and 3), memory-mapped and fully validated when opened.
///
/// Shapes: GGUF lists dimensions innermost first; `tensorInfos` and tensors use our row-major
/// order (the GGUF list reversed) — see `GGUFTensorInfo.ggmlShape` for the stored order.
///
/// Tensors: `tensor(named:)` returns plain types (F32, F16, BF16, F64, I8…I64) as zero-copy
/// views and block-quantized types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K) dequantized
/// to a new F32 tensor; `tensorInfos` therefore reports F32 for quantized tensors. Use
/// `rawTensor(named:)` to get the stored blocks and their `GGMLType` instead.
public final class GGUFFile: TensorSource, @unchecked Sendable {
    public let location: String
    public let version: UInt32
    /// Data alignment (`general.alignment`, default 32).
    public let alignment: Int
    /// Absolute offset of the tensor data section.
    public let dataOffset: Int
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    public let ggufTensors: [GGUFTensorInfo]
    public let tensorInfos: [TensorInfo]

    private let file: MappedFile
    private let values: [String: GGUFValue]
    private let tensorIndex: [String: Int]

    public static let defaultAlignment = 32
    /// ggml keeps names in a 64-byte buffer with a terminating NUL.
    public static let maximumTensorNameBytes = 63
    public static let maximumDimensions = 4

    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    public init(file: MappedFile) throws {
        self.file = file
        location = file.path
        let path = file.path
        var reader = GGUFByteReader(bytes: file.bytes, path: path)

        let magic = try reader.read(UInt32.self, for: "magic")
        guard magic == 0x4655_4747 else { throw GGUFError.badMagic(path: path, found: magic) }
        let version = try reader.read(UInt32.self, for: "version")
        // A byte-swapped small version number has its low 16 bits zero (gguf-py's test).
        if version & 0xFFFF == 0 { throw GGUFError.bigEndian(path: path) }
        guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(path: path, version: version) }
        self.version = version

        let tensorCount = try reader.read(Int64.self, for: "tensor count")
        let keyCount = try reader.read(Int64.self, for: "metadata count")
        // Minimal encodings: a key/value is ≥ 13 bytes, a tensor info ≥ 24.
        guard tensorCount >= 0, tensorCount <= reader.remaining / 24 else {
            throw GGUFError.absurdCount(path: path, what: "tensor", count: tensorCount)
        }
        guard keyCount >= 0, keyCount <= reader.remaining / 13 else {
            throw GGUFError.absurdCount(path: path, what: "metadata", count: keyCount)
        }

        var values: [String: GGUFValue] = [:]
        var keys: [String] = []
        for index in 0..<Int(keyCount) {
            let key = try reader.readString(for: "metadata key #\(index)", strict: true)
            let rawType = try reader.read(UInt32.self, for: "type of '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw GGUFError.unknownValueType(path: path, key: key, type: rawType)
            }
            let value = try reader.readValue(of: type, key: key)
            guard values.updateValue(value, forKey: key) == nil else { throw GGUFError.duplicateKey(path: path, key: key) }
            keys.append(key)
        }

        var alignment = GGUFFile.defaultAlignment
        if let declared = values["general.alignment"] {
            guard case let .uint32(value) = declared, value > 0, value & (value - 1) == 0 else {
                throw GGUFError.badAlignment(path: path, value: declared.rendered())
            }
            alignment = Int(value)
        }

        struct Pending { var name: String; var type: GGMLType; var ggmlShape: [Int]; var offset: UInt64; var byteCount: Int }
        var pending: [Pending] = []
        var tensorIndex: [String: Int] = [:]
        for index in 0..<Int(tensorCount) {
            let name = try reader.readString(for: "tensor name #\(index)", strict: true)
            guard name.utf8.count <= GGUFFile.maximumTensorNameBytes else {
                throw GGUFError.tensorNameTooLong(path: path, name: name, bytes: name.utf8.count)
            }
            guard tensorIndex.updateValue(index, forKey: name) == nil else {
                throw GGUFError.duplicateTensor(path: path, name: name)
            }
            let dimensionCount = try reader.read(UInt32.self, for: "dimension count of '\(name)'")
            guard dimensionCount <= UInt32(GGUFFile.maximumDimensions) else {
                throw GGUFError.badDimensionCount(path: path, tensor: name, count: dimensionCount)
            }
            var stored: [Int64] = []
            for _ in 0..<Int(dimensionCount) { stored.append(try reader.read(Int64.self, for: "shape of '\(name)'")) }
            guard stored.allSatisfy({ $0 >= 0 }), let count = Tensor.elementCount(of: stored.map { Int($0) }) else {
                throw GGUFError.badShape(path: path, tensor: name, shape: stored)
            }
            let rawType = try reader.read(UInt32.self, for: "type of '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError.unknownTensorType(path: path, tensor: name, type: rawType)
            }
            let rowLength = stored.first.map { Int($0) } ?? 1
            guard rowLength % type.blockSize == 0 else {
                throw GGUFError.shapeNotBlockAligned(path: path, tensor: name, type: type, rowLength: rowLength)
            }
            guard let byteCount = type.byteCount(elements: count) else {
                throw GGUFError.badShape(path: path, tensor: name, shape: stored)
            }
            let offset = try reader.read(UInt64.self, for: "data offset of '\(name)'")
            pending.append(Pending(name: name, type: type, ggmlShape: stored.map { Int($0) }, offset: offset, byteCount: byteCount))
        }

        // Like ggml's reader, require each tensor right after the previous one, padded to the alignment.
        let dataOffset = reader.alignedOffset(alignment)
        var expected = 0
        var tensors: [GGUFTensorInfo] = []
        for item in pending {
            guard item.offset == UInt64(expected) else {
                throw GGUFError.unexpectedOffset(path: path, tensor: item.name, offset: item.offset, expected: expected)
            }
            let (start, overflowStart) = dataOffset.addingReportingOverflow(expected)
            let (end, overflowEnd) = start.addingReportingOverflow(item.byteCount)
            guard !overflowStart, !overflowEnd, end <= file.count else {
                throw GGUFError.dataOutOfBounds(path: path, tensor: item.name, end: end, fileSize: file.count)
            }
            tensors.append(
                GGUFTensorInfo(name: item.name, type: item.type, ggmlShape: item.ggmlShape, offset: expected, byteRange: start..<end))
            let padded = (item.byteCount + alignment - 1) / alignment * alignment
            expected += padded
        }

        self.alignment = alignment
        self.dataOffset = dataOffset
        self.values = values
        metadataKeys = keys
        ggufTensors = tensors
        self.tensorIndex = tensorIndex
        tensorInfos = tensors.map { TensorInfo(name: $0.name, dtype: $0.type.plainDType ?? .f32, shape: $0.shape) }
    }

    // MARK: metadata

    /// Every metadata value rendered as text (arrays shortened to their first items and count).
    public var metadata: [String: String] { values.mapValues { $0.rendered() } }

    public func metadata(_ key: String) -> GGUFValue? { values[key] }

    public func string(_ key: String) throws -> String { try typed(key, "string", \.stringValue) }
    /// Any integer type that fits in Int.
    public func int(_ key: String) throws -> Int { try typed(key, "integer", \.intValue) }
    /// Any float or integer type.
    public func double(_ key: String) throws -> Double { try typed(key, "number", \.doubleValue) }
    public func bool(_ key: String) throws -> Bool { try typed(key, "bool", \.boolValue) }
    public func array(_ key: String) throws -> [GGUFValue] { try typed(key, "array", \.arrayValue) }

    public func strings(_ key: String) throws -> [String] {
        let items = try array(key)
        return try items.map { item in
            guard let text = item.stringValue else { throw mismatch(key, "array of strings", item) }
            return text
        }
    }

    private func typed<Value>(_ key: String, _ expected: String, _ extract: (GGUFValue) -> Value?) throws -> Value {
        guard let value = values[key] else { throw GGUFError.missingKey(path: location, key: key) }
        guard let result = extract(value) else { throw mismatch(key, expected, value) }
        return result
    }

    private func mismatch(_ key: String, _ expected: String, _ value: GGUFValue) -> GGUFError {
        .wrongValueType(path: location, key: key, expected: expected, found: value.type)
    }

    // MARK: tensors

    public func ggufInfo(named name: String) throws -> GGUFTensorInfo {
        guard let index = tensorIndex[name] else { throw GGUFError.unknownTensor(path: location, name: name) }
        return ggufTensors[index]
    }

    public func rawTensor(named name: String) throws -> GGUFRawTensor {
        let info = try ggufInfo(named: name)
        return GGUFRawTensor(type: info.type, shape: info.shape, storage: Storage(file: file, range: info.byteRange))
    }

    public func tensor(named name: String) throws -> Tensor {
        let info = try ggufInfo(named: name)
        let stored = Storage(file: file, range: info.byteRange)
        if let dtype = info.type.plainDType {
            return try Tensor(dtype: dtype, shape: info.shape, storage: stored)
        }
        guard GGMLDequantization.supports(info.type) else {
            throw GGUFError.cannotDequantize(path: location, tensor: name, type: info.type)
        }
        let count = info.elementCount
        let values = try Storage(count: count * MemoryLayout<Float>.size) { target in
            try GGMLDequantization.dequantize(stored.bytes, type: info.type, into: target.bindMemory(to: Float.self))
        }
        return try Tensor(dtype: .f32, shape: info.shape, storage: values)
    }
}
