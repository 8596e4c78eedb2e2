import Tensors

/// What reading a checkpoint's container yields before tensors are validated: the flattened pickle,
/// where each storage's bytes sit in the file, and how those bytes are ordered.
struct ParsedTorchFile {
    var tensors: [(name: String, tensor: TensorReference)]
    var scalars: [String: String]
    var storages: [String: StorageCatalog.Root]
    /// Byte range of each storage's data inside the mapped file.
    var storageRanges: [String: Range<Int>]
    var bigEndian: Bool
    var formatMetadata: [String: String]
    /// Keys of the pickled object when it is a dict (distinguishes a `{"model": {...}}` wrapper
    /// from a flat state dict whose names merely start with `model.`).
    var rootKeys: [String] = []
}

enum TorchFileLayouts {
    static func unpickle(
        _ bytes: UnsafeRawBufferPointer, from start: Int = 0, path: String, catalog: StorageCatalog
    ) throws -> (PickleFlattener, end: Int) {
        do {
            let (flattener, end) = try Unpickler.load(bytes, from: start, persistentLoad: catalog.load) { root in
                var flattener = PickleFlattener(path: path, streamBytes: bytes.count - start)
                try flattener.flatten(root)
                return flattener
            }
            return (flattener, end)
        } catch let error as PickleError {
            throw PyTorchError.pickle(path: path, error)
        }
    }

    /// The torch.save zip archive (torch ≥ 1.6): `<prefix>/data.pkl`, `<prefix>/data/<key>`, `byteorder`, versions.
    static func readZip(_ file: MappedFile) throws -> ParsedTorchFile {
        let path = file.path
        let archive = try ZipArchive(file: file)
        guard let first = archive.entries.first, let slash = first.name.firstIndex(of: "/") else {
            throw PyTorchError.archiveHasNoFolder(path: path)
        }
        let prefix = String(first.name[...slash])
        if archive.entry(named: prefix + "constants.pkl") != nil { throw PyTorchError.torchScriptArchive(path: path) }
        guard let pickle = archive.entry(named: prefix + "data.pkl") else {
            throw PyTorchError.missingRecord(path: path, record: prefix + "data.pkl")
        }

        var formatMetadata = ["pytorch.format": "zip"]
        for (record, key) in [
            ("version", "pytorch.archive_version"), (".data/version", "pytorch.archive_version"),
            (".format_version", "pytorch.format_version"), (".storage_alignment", "pytorch.storage_alignment"),
        ] {
            if let entry = archive.entry(named: prefix + record) {
                formatMetadata[key] = String(decoding: try archive.bytes(of: entry), as: UTF8.self).trimmingWhitespace
            }
        }
        var bigEndian = false
        if let entry = archive.entry(named: prefix + "byteorder") {
            let order = String(decoding: try archive.bytes(of: entry), as: UTF8.self)
            guard order == "little" || order == "big" else { throw PyTorchError.unknownByteOrder(path: path, value: order) }
            bigEndian = order == "big"
            formatMetadata["pytorch.byteorder"] = order
        }

        let catalog = StorageCatalog(legacy: false, fileSize: file.count)
        let (flattener, _) = try unpickle(try archive.bytes(of: pickle), path: path, catalog: catalog)
        var ranges: [String: Range<Int>] = [:]
        for (key, root) in catalog.roots {
            guard let entry = archive.entry(named: "\(prefix)data/\(key)") else { throw PyTorchError.storageMissing(path: path, key: key) }
            let range = try archive.dataRange(of: entry)
            guard range.count >= root.byteCount else {
                throw PyTorchError.storageSize(
                    path: path, key: key, detail: "holds \(range.count) bytes, the pickle says \(root.byteCount)")
            }
            ranges[key] = range
        }
        return ParsedTorchFile(
            tensors: flattener.tensors, scalars: flattener.scalars, storages: catalog.roots,
            storageRanges: ranges, bigEndian: bigEndian, formatMetadata: formatMetadata, rootKeys: flattener.rootKeys)
    }

    /// 0x1950a86a20f9469cfc6c as pickle LONG1 bytes (little-endian two's complement).
    private static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    private static let legacyProtocolVersion: Int64 = 1001

    /// The pre-1.6 stream: pickles of the magic number, protocol 1001, sys_info, the object and the sorted
    /// storage keys, then each storage as an int64 element count followed by its raw bytes.
    static func readLegacy(_ file: MappedFile) throws -> ParsedTorchFile {
        let path = file.path
        let bytes = file.bytes
        let ignoreStorages: Unpickler.PersistentLoad = { _ in throw PickleError.invalidPersistentID("header pickles hold no storages") }
        func header<T>(from start: Int, _ extract: (PickleValue) throws -> T) throws -> (T, end: Int) {
            do { return try Unpickler.load(bytes, from: start, persistentLoad: ignoreStorages, extract: extract) } catch let error
                as PickleError
            {
                throw PyTorchError.pickle(path: path, error)
            }
        }
        let (magicMatches, afterMagic) = try header(from: 0) { value -> Bool in
            if case let .bigInt(raw) = value { return raw == legacyMagic }
            return false
        }
        guard magicMatches else { throw PyTorchError.legacyHeader(path: path, detail: "wrong magic number") }
        let (protocolVersion, afterProtocol) = try header(from: afterMagic) { value in value.intValue }
        guard protocolVersion.map(Int64.init) == legacyProtocolVersion else {
            throw PyTorchError.legacyHeader(
                path: path, detail: "protocol version \(protocolVersion.map(String.init) ?? "?"), expected 1001")
        }
        let (littleEndian, afterSysInfo) = try header(from: afterProtocol) { value -> Bool in
            guard case let .dict(info) = value else { return true }
            for (key, item) in info.entries where key.stringValue == "little_endian" {
                if case let .bool(flag) = item { return flag }
            }
            return true
        }

        let catalog = StorageCatalog(legacy: true, fileSize: file.count)
        let (flattener, afterObject) = try unpickle(bytes, from: afterSysInfo, path: path, catalog: catalog)
        let (keys, dataStart) = try header(from: afterObject) { value -> [String]? in
            value.sequenceItems?.compactMap { $0.stringValue ?? $0.intValue.map(String.init) }
        }
        guard let keys else { throw PyTorchError.legacyHeader(path: path, detail: "the storage key list is not a list of keys") }

        let view = ByteView(bytes)
        var cursor = dataStart
        var ranges: [String: Range<Int>] = [:]
        for key in keys {
            guard let root = catalog.roots[key] else {
                throw PyTorchError.storageSize(path: path, key: key, detail: "listed but never referenced")
            }
            guard let rawCount = view.u64(at: cursor) else { throw PyTorchError.storageMissing(path: path, key: key) }
            let count = littleEndian ? rawCount : rawCount.byteSwapped
            guard count == UInt64(root.elementCount) else {
                throw PyTorchError.storageSize(
                    path: path, key: key, detail: "the file stores \(count) elements, the pickle says \(root.elementCount)")
            }
            let start = cursor + 8
            guard view.contains(start, length: root.byteCount) else { throw PyTorchError.storageMissing(path: path, key: key) }
            ranges[key] = start..<(start + root.byteCount)
            cursor = start + root.byteCount
        }
        for key in catalog.roots.keys where ranges[key] == nil { throw PyTorchError.storageMissing(path: path, key: key) }
        let formatMetadata = ["pytorch.format": "legacy", "pytorch.byteorder": littleEndian ? "little" : "big"]
        return ParsedTorchFile(
            tensors: flattener.tensors, scalars: flattener.scalars, storages: catalog.roots,
            storageRanges: ranges, bigEndian: !littleEndian, formatMetadata: formatMetadata, rootKeys: flattener.rootKeys)
    }
}

fileprivate extension String {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
