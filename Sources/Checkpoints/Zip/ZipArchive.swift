import Tensors

/// One member of a zip archive, as the central directory describes it.
public struct ZipEntry: Sendable, Equatable {
    public let name: String
    /// 0 = stored, 8 = deflate, ...
    public let compressionMethod: UInt16
    public let compressedSize: Int
    public let uncompressedSize: Int
    /// Where the member's bytes start in the file (after its local header).
    public let dataOffset: Int

    public var isStored: Bool { compressionMethod == 0 }
}

/// A zip archive read from a memory-mapped file through its central directory (ZIP64 included, as
/// torch.save always writes ZIP64 records). Stored members are handed out as zero-copy views of the
/// mapping; compressed members are refused with an error that says so.
public final class ZipArchive: Sendable {
    public let file: MappedFile
    public let entries: [ZipEntry]
    private let entryIndex: [String: Int]

    public var path: String { file.path }

    public static let localHeaderSignature: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    public init(file: MappedFile) throws {
        self.file = file
        let parsed = try ZipDirectoryParser(view: ByteView(file.bytes), path: file.path).entries()
        var index: [String: Int] = [:]
        for (position, entry) in parsed.enumerated() {
            guard index[entry.name] == nil else { throw ZipError.duplicateEntry(path: file.path, entry: entry.name) }
            index[entry.name] = position
        }
        entries = parsed
        entryIndex = index
    }

    /// True when the file starts like a zip archive (the first local header).
    public static func looksLikeZip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        ByteView(bytes).matches(localHeaderSignature, at: 0)
    }

    public func entry(named name: String) -> ZipEntry? {
        entryIndex[name].map { entries[$0] }
    }

    /// The bytes of a stored member, viewed in place.
    public func bytes(of entry: ZipEntry) throws -> UnsafeRawBufferPointer {
        let range = try dataRange(of: entry)
        return UnsafeRawBufferPointer(rebasing: file.bytes[range])
    }

    /// The byte range a stored member occupies in the mapped file.
    public func dataRange(of entry: ZipEntry) throws -> Range<Int> {
        guard entry.isStored else {
            throw ZipError.compressedEntry(path: path, entry: entry.name, method: entry.compressionMethod)
        }
        return entry.dataOffset..<(entry.dataOffset + entry.uncompressedSize)
    }

    /// The bytes of the member called `name`, which must exist and be stored.
    public func bytes(named name: String) throws -> UnsafeRawBufferPointer {
        guard let entry = entry(named: name) else { throw ZipError.missingEntry(path: path, entry: name) }
        return try bytes(of: entry)
    }
}

/// Reads the end record(s) and central directory. Every offset is checked against the file size.
private struct ZipDirectoryParser {
    let view: ByteView
    let path: String

    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50
    private static let endRecordSize = 22
    private static let maxCommentLength = 0xFFFF

    func entries() throws -> [ZipEntry] {
        let end = try findEndRecord()
        guard let diskNumber = view.u16(at: end + 4), let directoryDisk = view.u16(at: end + 6),
            let count16 = view.u16(at: end + 10), let size32 = view.u32(at: end + 12), let offset32 = view.u32(at: end + 16)
        else { throw ZipError.truncated(path: path, what: "end-of-central-directory record") }
        var entryCount = Int(count16)
        var directorySize = Int(size32)
        var directoryOffset = Int(offset32)

        if let zip64 = try zip64EndRecord(before: end) {
            guard let count = view.u64(at: zip64 + 32), let size = view.u64(at: zip64 + 40), let offset = view.u64(at: zip64 + 48),
                let disk = view.u32(at: zip64 + 16), let cdDisk = view.u32(at: zip64 + 20)
            else { throw ZipError.truncated(path: path, what: "ZIP64 end-of-central-directory record") }
            guard disk == 0, cdDisk == 0 else { throw ZipError.multiDisk(path: path) }
            guard let count = Int(exactly: count), let size = Int(exactly: size), let offset = Int(exactly: offset) else {
                throw ZipError.centralDirectoryCorrupt(path: path, detail: "ZIP64 sizes out of range")
            }
            entryCount = count
            directorySize = size
            directoryOffset = offset
        } else {
            guard diskNumber == 0, directoryDisk == 0 else { throw ZipError.multiDisk(path: path) }
        }
        guard view.contains(directoryOffset, length: directorySize) else {
            throw ZipError.truncated(path: path, what: "central directory")
        }
        // Each central header takes at least 46 bytes, which bounds the claimed count by the file size.
        guard entryCount <= directorySize / 46 else {
            throw ZipError.centralDirectoryCorrupt(path: path, detail: "\(entryCount) entries cannot fit in \(directorySize) bytes")
        }

        var result: [ZipEntry] = []
        result.reserveCapacity(entryCount)
        var cursor = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for _ in 0..<entryCount {
            let (entry, next) = try centralEntry(at: cursor, limit: directoryEnd)
            result.append(entry)
            cursor = next
        }
        return result
    }

    private func findEndRecord() throws -> Int {
        let last = view.count - Self.endRecordSize
        guard last >= 0 else { throw ZipError.endRecordMissing(path: path) }
        let first = max(0, last - Self.maxCommentLength)
        for offset in stride(from: last, through: first, by: -1) where view.u32(at: offset) == Self.endSignature {
            // The comment length must reach exactly to the end of the file; this rejects a stray signature.
            if let commentLength = view.u16(at: offset + 20), offset + Self.endRecordSize + Int(commentLength) == view.count {
                return offset
            }
        }
        throw ZipError.endRecordMissing(path: path)
    }

    private func zip64EndRecord(before end: Int) throws -> Int? {
        let locator = end - 20
        guard locator >= 0, view.u32(at: locator) == Self.zip64LocatorSignature else { return nil }
        guard let offset = view.u64(at: locator + 8), let record = Int(exactly: offset),
            view.u32(at: record) == Self.zip64EndSignature
        else { throw ZipError.centralDirectoryCorrupt(path: path, detail: "ZIP64 locator points to no ZIP64 end record") }
        return record
    }

    private func centralEntry(at offset: Int, limit: Int) throws -> (ZipEntry, Int) {
        guard offset + 46 <= limit, view.u32(at: offset) == Self.centralSignature,
            let flags = view.u16(at: offset + 8), let method = view.u16(at: offset + 10),
            let compressed32 = view.u32(at: offset + 20), let uncompressed32 = view.u32(at: offset + 24),
            let nameLength = view.u16(at: offset + 28), let extraLength = view.u16(at: offset + 30),
            let commentLength = view.u16(at: offset + 32), let local32 = view.u32(at: offset + 42)
        else { throw ZipError.centralDirectoryCorrupt(path: path, detail: "bad central header at offset \(offset)") }
        let nameStart = offset + 46
        let extraStart = nameStart + Int(nameLength)
        let next = extraStart + Int(extraLength) + Int(commentLength)
        guard next <= limit, let nameBytes = view.slice(at: nameStart, length: Int(nameLength)),
            let extra = view.slice(at: extraStart, length: Int(extraLength))
        else { throw ZipError.centralDirectoryCorrupt(path: path, detail: "central header at offset \(offset) overruns the directory") }
        guard let name = String(validating: nameBytes, as: UTF8.self) else {
            throw ZipError.centralDirectoryCorrupt(path: path, detail: "entry name at offset \(offset) is not UTF-8")
        }
        guard flags & 1 == 0 else { throw ZipError.encryptedEntry(path: path, entry: name) }

        var compressed = UInt64(compressed32)
        var uncompressed = UInt64(uncompressed32)
        var localOffset = UInt64(local32)
        try applyZip64Extra(ByteView(extra), entry: name, uncompressed: &uncompressed, compressed: &compressed, localOffset: &localOffset)

        guard let compressedSize = Int(exactly: compressed), let uncompressedSize = Int(exactly: uncompressed),
            let localHeader = Int(exactly: localOffset)
        else { throw ZipError.entryOutOfBounds(path: path, entry: name) }
        let dataOffset = try dataStart(localHeader: localHeader, entry: name)
        let storedSize = method == 0 ? uncompressedSize : compressedSize
        guard view.contains(dataOffset, length: storedSize), method != 0 || compressedSize == uncompressedSize else {
            throw ZipError.entryOutOfBounds(path: path, entry: name)
        }
        let entry = ZipEntry(
            name: name, compressionMethod: method, compressedSize: compressedSize,
            uncompressedSize: uncompressedSize, dataOffset: dataOffset)
        return (entry, next)
    }

    /// ZIP64 "extended information" (id 1) carries the 64-bit value of each 32-bit field saturated at 0xFFFFFFFF, in
    /// the order uncompressed size, compressed size, local header offset.
    private func applyZip64Extra(
        _ extra: ByteView, entry: String, uncompressed: inout UInt64, compressed: inout UInt64, localOffset: inout UInt64
    ) throws {
        var cursor = 0
        while cursor + 4 <= extra.count {
            guard let id = extra.u16(at: cursor), let size = extra.u16(at: cursor + 2) else { break }
            let body = cursor + 4
            guard extra.contains(body, length: Int(size)) else {
                throw ZipError.centralDirectoryCorrupt(path: path, detail: "extra field of '\(entry)' overruns its header")
            }
            if id == 1 {
                var field = body
                func take(_ target: inout UInt64) throws {
                    guard target == 0xFFFF_FFFF else { return }
                    guard field + 8 <= body + Int(size), let wide = extra.u64(at: field) else {
                        throw ZipError.centralDirectoryCorrupt(path: path, detail: "ZIP64 extra field of '\(entry)' is too short")
                    }
                    target = wide
                    field += 8
                }
                try take(&uncompressed)
                try take(&compressed)
                try take(&localOffset)
            }
            cursor = body + Int(size)
        }
    }

    private func dataStart(localHeader: Int, entry: String) throws -> Int {
        guard view.u32(at: localHeader) == Self.localSignature,
            let nameLength = view.u16(at: localHeader + 26), let extraLength = view.u16(at: localHeader + 28)
        else { throw ZipError.localHeaderCorrupt(path: path, entry: entry) }
        return localHeader + 30 + Int(nameLength) + Int(extraLength)
    }
}
