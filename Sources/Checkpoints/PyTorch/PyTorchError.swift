/// Why a PyTorch checkpoint could not be read. Every case names the file; tensor cases name the tensor.
public enum PyTorchError: Error, Equatable, CustomStringConvertible {
    case notAPyTorchCheckpoint(path: String)
    case archiveHasNoFolder(path: String)
    case torchScriptArchive(path: String)
    case missingRecord(path: String, record: String)
    case unknownByteOrder(path: String, value: String)
    case legacyTarFormat(path: String)
    case legacyHeader(path: String, detail: String)
    case pickle(path: String, PickleError)
    case storageMissing(path: String, key: String)
    case storageSize(path: String, key: String, detail: String)
    case unsupportedStorage(path: String, type: String)
    case tensorOutOfBounds(path: String, tensor: String, detail: String)
    case duplicateTensorName(path: String, name: String)
    case cyclicStructure(path: String, at: String)
    case nestingTooDeep(path: String, at: String)
    /// A view repeating its storage's elements (stride 0) would materialise more than
    /// `PyTorchCheckpoint.maximumViewBytes(storageBytes:)`.
    case expandedViewTooLarge(path: String, tensor: String, bytes: Int, storageBytes: Int)
    case noTensors(path: String)
    case unknownTensor(path: String, name: String)
    case prefixNotFound(path: String, prefix: String, available: [String])

    public var description: String {
        switch self {
        case let .notAPyTorchCheckpoint(path):
            return "\(path): not a PyTorch checkpoint (neither a torch.save zip archive nor a legacy pickle stream)"
        case let .archiveHasNoFolder(path):
            return "\(path): the first zip entry is not inside a folder, so this is not a torch.save archive"
        case let .torchScriptArchive(path):
            return "\(path): this is a TorchScript archive (it holds constants.pkl); save the model's state_dict() with torch.save instead"
        case let .missingRecord(path, record): return "\(path): the archive has no '\(record)' record"
        case let .unknownByteOrder(path, value): return "\(path): unknown byteorder record '\(value)' (expected little or big)"
        case let .legacyTarFormat(path):
            return "\(path): this is the pre-1.0 tar checkpoint format, which is not supported; load and re-save it with a current torch"
        case let .legacyHeader(path, detail): return "\(path): legacy (pre-1.6) checkpoint header: \(detail)"
        case let .pickle(path, error): return "\(path): \(error)"
        case let .storageMissing(path, key): return "\(path): storage '\(key)' is referenced but not stored"
        case let .storageSize(path, key, detail): return "\(path): storage '\(key)': \(detail)"
        case let .unsupportedStorage(path, type):
            return "\(path): storage type \(type) is not supported (complex and quantized tensors cannot be read)"
        case let .tensorOutOfBounds(path, tensor, detail): return "\(path): tensor '\(tensor)': \(detail)"
        case let .duplicateTensorName(path, name): return "\(path): two tensors flatten to the same name '\(name)'"
        case let .cyclicStructure(path, at): return "\(path): the pickled object refers to itself at '\(at)'"
        case let .nestingTooDeep(path, at): return "\(path): the pickled object nests too deeply at '\(at)'"
        case let .expandedViewTooLarge(path, tensor, bytes, storageBytes):
            return
                "\(path): tensor '\(tensor)' repeats its \(storageBytes)-byte storage into \(bytes) bytes, more than a view may expand to"
        case let .noTensors(path): return "\(path): the checkpoint holds no tensors"
        case let .unknownTensor(path, name): return "\(path): no tensor named '\(name)'"
        case let .prefixNotFound(path, prefix, available):
            return
                "\(path): no tensors under '\(prefix)'; top-level entries holding tensors: \(available.isEmpty ? "none" : available.joined(separator: ", "))"
        }
    }
}
