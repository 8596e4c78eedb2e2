import Foundation

/// Writes the zip archive `torch.save` produces: every record stored uncompressed under
/// `<archive>/...`, each record's data starting on a 64-byte boundary (torch pads the local header's
/// extra field with an "FB" block, so tensors can be memory-mapped in place), CRC-32 filled in, and
/// zip64 end records once offsets pass 4 GiB (a 7B model in one rank file is 14.8 GB).
///
/// Records are written whole, one at a time, so memory stays at one record.
public final class TorchArchiveWriter {
    private let file: OutputFile
    private let archive: String
    private var offset = 0
    private var central: [(name: [UInt8], crc: UInt32, size: Int, offset: Int)] = []
    public static let alignment = 64

    public init(file: OutputFile, archiveName: String) {
        self.file = file
        self.archive = archiveName
    }

    /// Writes the standard records torch writes before tensors (`data.pkl`, `.format_version`,
    /// `.storage_alignment`, `byteorder`).
    public func writeHeader(pickle: [UInt8]) throws {
        try addRecord("data.pkl", pickle)
        try addRecord(".format_version", Array("1".utf8))
        try addRecord(".storage_alignment", Array(String(Self.alignment).utf8))
        try addRecord("byteorder", Array("little".utf8))
    }

    public func addRecord(_ name: String, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try addRecord(name, $0) }
    }

    public func addRecord(_ name: String, _ bytes: UnsafeRawBufferPointer) throws {
        let fullName = Array("\(archive)/\(name)".utf8)
        let crc = CRC32.checksum(bytes)
        let headerStart = offset
        let fixed = 30 + fullName.count
        // The "FB" padding block needs at least its 4-byte header.
        var padding = (Self.alignment - (headerStart + fixed + 4) % Self.alignment) % Self.alignment
        if bytes.count >= 0xFFFF_FFFF { padding = 0 }
        var header: [UInt8] = []
        header.reserveCapacity(fixed + 4 + padding)
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { header += $0 } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { header += $0 } }
        u32(0x0403_4B50)
        u16(20); u16(0); u16(0); u16(0); u16(0x21)  // version, flags, stored, time, date (1980-01-01)
        u32(crc)
        u32(UInt32(clamping: bytes.count)); u32(UInt32(clamping: bytes.count))
        u16(fullName.count); u16(4 + padding)
        header += fullName
        header += [UInt8(ascii: "F"), UInt8(ascii: "B")]
        u16(padding)
        header += [UInt8](repeating: UInt8(ascii: "Z"), count: padding)
        try file.write(header)
        try file.write(bytes)
        offset += header.count + bytes.count
        central.append((fullName, crc, bytes.count, headerStart))
    }

    /// Writes the trailing `version` and `.data/serialization_id` records and the central directory.
    public func finish() throws {
        try addRecord("version", Array("3\n".utf8))
        // torch puts a random id here; a fixed one keeps outputs of one seed byte-identical.
        try addRecord(".data/serialization_id", Array(String(repeating: "0", count: 20).utf8))
        let directoryStart = offset
        var out: [UInt8] = []
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { out += $0 } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u64(_ v: Int) { withUnsafeBytes(of: UInt64(v).littleEndian) { out += $0 } }
        for entry in central {
            let needsZip64 = entry.offset >= 0xFFFF_FFFF
            u32(0x0201_4B50)
            u16(needsZip64 ? 45 : 20); u16(needsZip64 ? 45 : 20); u16(0); u16(0); u16(0); u16(0x21)
            u32(entry.crc)
            u32(UInt32(entry.size)); u32(UInt32(entry.size))
            u16(entry.name.count); u16(needsZip64 ? 12 : 0); u16(0); u16(0); u16(0); u32(0)
            u32(needsZip64 ? 0xFFFF_FFFF : UInt32(entry.offset))
            out += entry.name
            if needsZip64 { u16(0x0001); u16(8); u64(entry.offset) }
        }
        let directorySize = out.count
        let zip64 = directoryStart >= 0xFFFF_FFFF || central.count >= 0xFFFF || central.contains { $0.offset >= 0xFFFF_FFFF }
        if zip64 {
            let recordStart = directoryStart + directorySize
            u32(0x0606_4B50); u64(44); u16(45); u16(45); u32(0); u32(0)
            u64(central.count); u64(central.count); u64(directorySize); u64(directoryStart)
            u32(0x0706_4B50); u32(0); u64(recordStart); u32(1)
        }
        u32(0x0605_4B50); u16(0); u16(0)
        u16(min(central.count, 0xFFFF)); u16(min(central.count, 0xFFFF))
        u32(UInt32(directorySize))
        u32(zip64 ? 0xFFFF_FFFF : UInt32(directoryStart))
        u16(0)
        try file.write(out)
        offset += out.count
    }
}
