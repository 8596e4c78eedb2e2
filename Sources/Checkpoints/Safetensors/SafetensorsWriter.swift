import Tensors

/// `__metadata__` entries in the order they are written.
public typealias SafetensorsMetadata = [(key: String, value: String)]

extension Dictionary where Key == String, Value == String {
    /// The entries sorted by key bytes: a deterministic order. (The reference writes its HashMap's
    /// iteration order, which changes from run to run.)
    public var sortedMetadata: SafetensorsMetadata {
        sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) }
    }
}

/// Writes safetensors files byte-identical to the reference writer (safetensors 0.8.0
/// `serialize_file`), streaming one tensor at a time.
///
/// Layout, as the reference's `prepare`: tensors sorted by descending dtype (the order of the Rust
/// `Dtype` enum, which the reference calls alignment order) then by name bytes, packed from offset
/// 0; header = serde_json compact text of `{"__metadata__": {...}?, NAME: {"dtype", "shape",
/// "data_offsets"}, ...}` in that order, padded with spaces to a multiple of 8 bytes.
public enum SafetensorsWriter {
    /// The reference's sort key: position in `safetensors::Dtype` (BOOL first, U64 last).
    public static func referenceRank(_ dtype: DType) -> Int {
        switch dtype {
        case .bool: return 0
        case .f4: return 1
        case .f6e2m3: return 2
        case .f6e3m2: return 3
        case .u8: return 4
        case .i8: return 5
        case .f8e5m2: return 6
        case .f8e4m3: return 7
        case .f8e8m0: return 8
        case .f8e4m3fnuz: return 9
        case .f8e5m2fnuz: return 10
        case .i16: return 11
        case .u16: return 12
        case .f16: return 13
        case .bf16: return 14
        case .i32: return 15
        case .u32: return 16
        case .f32: return 17
        case .c64: return 18
        case .f64: return 19
        case .i64: return 20
        case .u64: return 21
        }
    }

    /// The tensors in the order the reference writes them.
    public static func writeOrder(_ tensors: [TensorInfo]) -> [TensorInfo] {
        tensors.sorted { lhs, rhs in
            let (left, right) = (referenceRank(lhs.dtype), referenceRank(rhs.dtype))
            if left != right { return left > right }
            return lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
        }
    }

    /// Header text (padded) and the tensors in file order. `path` is for messages.
    public static func header(
        for tensors: [TensorInfo], metadata: SafetensorsMetadata?, path: String
    ) throws(SafetensorsError) -> (bytes: [UInt8], order: [TensorInfo]) {
        var seen = Set<String>()
        for tensor in tensors {
            if tensor.name == HeaderDecoder.metadataKey { throw .reservedTensorName(path: path) }
            guard seen.insert(tensor.name).inserted else { throw .duplicateTensorName(path: path, name: tensor.name) }
            guard let elements = Tensor.elementCount(of: tensor.shape), tensor.dtype.byteCount(elements: elements) != nil else {
                throw .misalignedSlice(
                    path: path, tensor: tensor.name, dtype: tensor.dtype, shape: tensor.shape.map { UInt64(clamping: $0) })
            }
        }
        let order = writeOrder(tensors)
        var header = JSONObject()
        if let metadata {
            var object = JSONObject()
            for (key, value) in metadata { object.append(key: key, value: .string(value)) }
            header.append(key: HeaderDecoder.metadataKey, value: .object(object))
        }
        var offset = 0
        for tensor in order {
            var entry = JSONObject()
            entry.append(key: "dtype", value: .string(tensor.dtype.rawValue))
            entry.append(key: "shape", value: .array(tensor.shape.map { .number(JSONNumber(lexeme: String($0))) }))
            let end = offset + tensor.byteCount
            entry.append(
                key: "data_offsets", value: .array([.number(JSONNumber(lexeme: String(offset))), .number(JSONNumber(lexeme: String(end)))]))
            header.append(key: tensor.name, value: .object(entry))
            offset = end
        }
        var bytes: [UInt8] = []
        JSONWriter(style: .compact).write(.object(header), into: &bytes, level: 0)
        let padded = (bytes.count + 7) / 8 * 8
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padded - bytes.count))
        guard UInt64(padded) <= SafetensorsHeader.maximumHeaderLength else {
            throw .headerWouldBeTooLarge(path: path, headerLength: padded)
        }
        return (bytes, order)
    }

    /// Writes `tensors` to `path` atomically. `produce` is called once per tensor, in file order,
    /// and must return a tensor of the promised dtype and shape; only that tensor is held at a time.
    public static func write(
        to path: String, tensors: [TensorInfo], metadata: SafetensorsMetadata?, overwrite: Bool,
        produce: (TensorInfo) throws -> Tensor
    ) throws {
        try AtomicOutput.writeFile(at: path, overwrite: overwrite) { file in
            try write(into: file, tensors: tensors, metadata: metadata, produce: produce)
        }
    }

    /// Writes every tensor of `source` (with its metadata unless `metadata` is given).
    public static func write(to path: String, copying source: TensorSource, metadata: SafetensorsMetadata? = nil, overwrite: Bool) throws {
        try write(to: path, tensors: source.tensorInfos, metadata: metadata ?? source.metadata.sortedMetadata, overwrite: overwrite) {
            try source.tensor(named: $0.name)
        }
    }

    /// Streams a whole file into an open output.
    public static func write(
        into file: OutputFile, tensors: [TensorInfo], metadata: SafetensorsMetadata?,
        produce: (TensorInfo) throws -> Tensor
    ) throws {
        let (header, order) = try header(for: tensors, metadata: metadata, path: file.path)
        try withUnsafeBytes(of: UInt64(header.count).littleEndian) { try file.write($0) }
        try file.write(header)
        for info in order {
            let tensor = try produce(info)
            guard tensor.dtype == info.dtype, tensor.shape == info.shape, tensor.byteCount == info.byteCount else {
                throw SafetensorsError.producedTensorMismatch(
                    path: file.path, tensor: info.name, expected: "\(info.dtype) \(info.shape)",
                    produced: "\(tensor.dtype) \(tensor.shape)")
            }
            try file.write(tensor.bytes)
        }
    }
}
