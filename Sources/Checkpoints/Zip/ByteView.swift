/// Bounds-checked little-endian reads from a byte region (usually a slice of a memory-mapped file).
/// Every read returns nil instead of touching bytes outside the region, so parsers turn a short or
/// hostile file into a typed error rather than a crash.
struct ByteView {
    let bytes: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var count: Int { bytes.count }

    func contains(_ offset: Int, length: Int) -> Bool {
        guard offset >= 0, length >= 0 else { return false }
        let (end, overflow) = offset.addingReportingOverflow(length)
        return !overflow && end <= bytes.count
    }

    func u8(at offset: Int) -> UInt8? {
        contains(offset, length: 1) ? bytes[offset] : nil
    }

    func u16(at offset: Int) -> UInt16? { unsigned(at: offset, width: 2).map { UInt16(truncatingIfNeeded: $0) } }
    func u32(at offset: Int) -> UInt32? { unsigned(at: offset, width: 4).map { UInt32(truncatingIfNeeded: $0) } }
    func u64(at offset: Int) -> UInt64? { unsigned(at: offset, width: 8) }

    /// A little-endian unsigned integer of `width` bytes (at most 8).
    func unsigned(at offset: Int, width: Int) -> UInt64? {
        guard width <= 8, contains(offset, length: width) else { return nil }
        var value: UInt64 = 0
        for index in (0..<width).reversed() {
            value = value << 8 | UInt64(bytes[offset + index])
        }
        return value
    }

    /// The bytes of `offset ..< offset + length`, or nil if that range leaves the region.
    func slice(at offset: Int, length: Int) -> UnsafeRawBufferPointer? {
        guard contains(offset, length: length) else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
    }

    /// Whether the bytes at `offset` equal `expected`.
    func matches(_ expected: [UInt8], at offset: Int) -> Bool {
        guard let region = slice(at: offset, length: expected.count) else { return false }
        return region.elementsEqual(expected)
    }
}
