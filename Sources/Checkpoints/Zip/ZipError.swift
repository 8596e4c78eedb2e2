/// Why a zip archive could not be read. Every case names the file, and the entry where there is one.
public enum ZipError: Error, Equatable, CustomStringConvertible {
    case endRecordMissing(path: String)
    case truncated(path: String, what: String)
    case multiDisk(path: String)
    case centralDirectoryCorrupt(path: String, detail: String)
    case entryOutOfBounds(path: String, entry: String)
    case localHeaderCorrupt(path: String, entry: String)
    case compressedEntry(path: String, entry: String, method: UInt16)
    case encryptedEntry(path: String, entry: String)
    case duplicateEntry(path: String, entry: String)
    case missingEntry(path: String, entry: String)

    public var description: String {
        switch self {
        case let .endRecordMissing(path):
            return "\(path): not a zip archive (no end-of-central-directory record)"
        case let .truncated(path, what):
            return "\(path): zip archive is truncated (\(what) lies outside the file)"
        case let .multiDisk(path):
            return "\(path): multi-disk (spanned) zip archives are not supported"
        case let .centralDirectoryCorrupt(path, detail):
            return "\(path): zip central directory is corrupt: \(detail)"
        case let .entryOutOfBounds(path, entry):
            return "\(path): zip entry '\(entry)' points outside the file"
        case let .localHeaderCorrupt(path, entry):
            return "\(path): zip entry '\(entry)' has a corrupt local header"
        case let .compressedEntry(path, entry, method):
            return
                "\(path): zip entry '\(entry)' is compressed (method \(method)); only stored (uncompressed) entries are supported, as torch.save writes them — re-save the checkpoint with torch.save or unzip and re-zip with `zip -0`"
        case let .encryptedEntry(path, entry):
            return "\(path): zip entry '\(entry)' is encrypted"
        case let .duplicateEntry(path, entry):
            return "\(path): zip entry '\(entry)' appears twice"
        case let .missingEntry(path, entry):
            return "\(path): zip archive has no entry '\(entry)'"
        }
    }
}
