import Tensors

/// The decoded and validated header of a safetensors file: where each tensor's bytes are.
///
/// Validation follows huggingface/safetensors `SafeTensors::read_metadata` step by step, in the same
/// order, so the first problem found is the one the reference reports (see formats/safetensors.md).
public struct SafetensorsHeader: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var info: TensorInfo
        /// Byte range relative to the start of the data section.
        public var dataRange: Range<Int>
    }

    /// The reference rejects headers longer than this (`MAX_HEADER_SIZE`).
    public static let maximumHeaderLength: UInt64 = 100_000_000
    /// Bytes holding the header length.
    public static let lengthPrefixSize = 8

    /// Tensors ordered by their position in the data section.
    public var entries: [Entry]
    /// `__metadata__` in file order; nil when the header has none.
    public var metadata: [(key: String, value: String)]?
    /// Offset of the data section in the file (8 + header length).
    public var dataStart: Int

    public static func == (lhs: SafetensorsHeader, rhs: SafetensorsHeader) -> Bool {
        lhs.entries == rhs.entries && lhs.dataStart == rhs.dataStart
            && lhs.metadata?.map(\.key) == rhs.metadata?.map(\.key) && lhs.metadata?.map(\.value) == rhs.metadata?.map(\.value)
    }

    /// Decodes and validates the header of a whole file held in `file`; `path` is for messages.
    public init(file: UnsafeRawBufferPointer, path: String) throws(SafetensorsError) {
        let prefix = Self.lengthPrefixSize
        guard file.count >= prefix else { throw .headerTooSmall(path: path, fileSize: file.count) }
        var headerLength: UInt64 = 0
        for index in (0..<prefix).reversed() { headerLength = headerLength << 8 | UInt64(file[index]) }
        guard headerLength <= Self.maximumHeaderLength else { throw .headerTooLarge(path: path, headerLength: headerLength) }
        let headerEnd = prefix + Int(headerLength)
        guard headerEnd <= file.count else {
            throw .invalidHeaderLength(path: path, headerLength: headerLength, fileSize: file.count)
        }
        let text = UnsafeRawBufferPointer(rebasing: file[prefix..<headerEnd])
        let declared = try HeaderDecoder(path: path).decode(text)
        let validated = try Self.validate(declared, path: path)
        let (total, overflow) = validated.dataEnd.addingReportingOverflow(UInt64(headerEnd))
        guard !overflow, total == UInt64(file.count) else {
            throw .metadataIncompleteBuffer(path: path, declaredSize: overflow ? nil : total, fileSize: file.count)
        }
        entries = try validated.order.map { position throws(SafetensorsError) -> Entry in
            let declaredEntry = declared.entries[Int(position)]
            // Every offset is now within the file, so only empty tensors with huge dimensions remain.
            guard declaredEntry.shape.allSatisfy({ $0 <= UInt64(Int.max) }) else {
                throw .dimensionTooLarge(path: path, tensor: declaredEntry.name, shape: declaredEntry.shape)
            }
            let info = TensorInfo(name: declaredEntry.name, dtype: declaredEntry.dtype, shape: declaredEntry.shape.map { Int($0) })
            return Entry(info: info, dataRange: Int(declaredEntry.begin)..<Int(declaredEntry.end))
        }
        metadata = declared.metadata
        dataStart = headerEnd
    }

    /// `Metadata::validate`: sorted by (begin, end), tensors must tile the data section from 0 and
    /// each byte range must be exactly the size its dtype and shape need.
    /// Returns the entries' positions in data order (4 bytes each: a header holds at most
    /// 100,000,000 / 18 entries, so sorting needs no copy of the entries).
    private static func validate(_ header: DeclaredHeader, path: String) throws(SafetensorsError) -> (order: [Int32], dataEnd: UInt64) {
        let entries = header.entries
        // Ties broken by header order, so the reported name is deterministic.
        let order = (0..<Int32(entries.count)).sorted { lhs, rhs in
            let (left, right) = (entries[Int(lhs)], entries[Int(rhs)])
            return (left.begin, left.end, lhs) < (right.begin, right.end, rhs)
        }
        var expectedBegin: UInt64 = 0
        for position in order {
            let entry = entries[Int(position)]
            guard entry.begin == expectedBegin, entry.end >= entry.begin else {
                throw .invalidOffset(path: path, tensor: entry.name, begin: entry.begin, end: entry.end, expectedBegin: expectedBegin)
            }
            expectedBegin = entry.end
            var elements: UInt64 = 1
            for dimension in entry.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw .validationOverflow(path: path, tensor: entry.name, shape: entry.shape) }
                elements = product
            }
            let (bits, overflow) = elements.multipliedReportingOverflow(by: UInt64(entry.dtype.bitWidth))
            guard !overflow else { throw .validationOverflow(path: path, tensor: entry.name, shape: entry.shape) }
            guard bits % 8 == 0 else { throw .misalignedSlice(path: path, tensor: entry.name, dtype: entry.dtype, shape: entry.shape) }
            guard entry.end - entry.begin == bits / 8 else {
                throw .tensorInvalidInfo(path: path, tensor: entry.name, expectedBytes: bits / 8, declaredBytes: entry.end - entry.begin)
            }
        }
        return (order, expectedBegin)
    }
}

/// A tensor entry as the header declares it, before validation (64-bit unsigned like the
/// reference's `usize`).
struct DeclaredEntry {
    var name: String
    var dtype: DType
    var shape: [UInt64]
    var begin: UInt64
    var end: UInt64
}

struct DeclaredHeader {
    var entries: [DeclaredEntry]
    var metadata: [(key: String, value: String)]?
}
