import Foundation

/// Checkpoint formats recognised from a file's first bytes (names only as a tie-breaker). New
/// readers add a case, its `matches` rule and its `open`.
public enum CheckpointFormat: String, CaseIterable, Sendable {
    case safetensors
    case safetensorsIndex = "safetensors index"
    case gguf = "GGUF"
    case pytorchZip = "PyTorch (zip)"
    case pytorchPickle = "PyTorch (legacy pickle)"
    case zstdContainer = "zstd container"

    /// Bytes read from the start of a file to decide its format.
    public static let prefixLength = 16

    public func matches(prefix: [UInt8], fileName: String) -> Bool {
        switch self {
        case .safetensors:
            // An 8-byte little-endian header length within the reference's limit, then JSON
            // (optionally after whitespace, which the reference accepts) opening an object.
            guard prefix.count >= 9 else { return false }
            let length = prefix[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard length >= 2, length <= SafetensorsHeader.maximumHeaderLength else { return false }
            let text = prefix[8...].drop { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
            return text.first == UInt8(ascii: "{") || (text.isEmpty && fileName.hasSuffix(".safetensors"))
        case .safetensorsIndex:
            let text = prefix.drop { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
            return text.first == UInt8(ascii: "{") && fileName.hasSuffix(".index.json")
        case .gguf:
            return prefix.starts(with: Array("GGUF".utf8))
        case .pytorchZip:
            return prefix.starts(with: [0x50, 0x4B, 0x03, 0x04])
        case .pytorchPickle:
            return prefix.count >= 2 && prefix[0] == 0x80 && (2...5).contains(prefix[1])
        case .zstdContainer:
            return prefix.starts(with: ZstdContainer.headerMagic)
        }
    }

    /// Opens `path` as this format.
    public func open(_ path: String) throws -> TensorSource {
        switch self {
        case .safetensors: return try SafetensorsFile(path: path)
        case .safetensorsIndex: return try ShardedSafetensors(indexPath: path)
        case .pytorchZip, .pytorchPickle:
            // Training scripts often wrap the state dict ({"state_dict": ..., "config": ...}); read inside the wrapper.
            let whole = try PyTorchCheckpoint(path: path)
            guard let wrapper = whole.wrapper else { return whole }
            return try PyTorchCheckpoint(path: path, prefix: wrapper)
        case .gguf: return try GGUFFile(path: path)
        case .zstdContainer: return try ZstdContainerFile(path: path)
        }
    }

    /// The format of the file at `path`, judged by its first bytes.
    public static func detect(path: String) throws -> CheckpointFormat {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CheckpointOpenError.cannotRead(path: path) }
        defer { try? handle.close() }
        let prefix = [UInt8]((try? handle.read(upToCount: prefixLength)) ?? Data())
        let name = URL(fileURLWithPath: path).lastPathComponent
        if let format = allCases.first(where: { $0.matches(prefix: prefix, fileName: name) }) { return format }
        // A damaged file with a telling name goes to its reader, which says precisely what is wrong.
        if name.hasSuffix(".safetensors") { return .safetensors }
        if name.hasSuffix(".index.json") { return .safetensorsIndex }
        if name.hasSuffix(ZstdContainer.fileExtension) { return .zstdContainer }
        throw CheckpointOpenError.unrecognisedFormat(path: path)
    }
}

public enum CheckpointOpenError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(path: String)
    case cannotRead(path: String)
    case unrecognisedFormat(path: String)
    case unsupportedFormat(path: String, format: CheckpointFormat)
    case noCheckpointInDirectory(path: String)
    case ambiguousDirectory(path: String, candidates: [String])

    public var description: String {
        switch self {
        case let .notFound(path): return "\(path): no such file or directory"
        case let .cannotRead(path): return "\(path): cannot be read"
        case let .unrecognisedFormat(path):
            return "\(path): not a recognised checkpoint (expected safetensors, a safetensors index, a PyTorch checkpoint or GGUF)"
        case let .unsupportedFormat(path, format): return "\(path): \(format.rawValue) checkpoints are not supported by this build"
        case let .noCheckpointInDirectory(path):
            return
                "\(path): no model.safetensors, model.safetensors.index.json, other *.safetensors file, pytorch_model.bin, or model-parallel consolidated.*.pth with consolidate_config.json/params.json"
        case let .ambiguousDirectory(path, candidates):
            return "\(path): several checkpoints (\(candidates.joined(separator: ", "))); name the file to use"
        }
    }
}

/// Opens whatever a user points at: a checkpoint file (format detected from its content) or a
/// model folder (its index if it has one, else its single safetensors file; a model-parallel
/// release merged with the caller's `MergeRules`).
public enum ModelDirectory {
    /// File names tried first in a folder, in order.
    public static let preferredNames = [ShardedSafetensorsWriter.indexFileName, "model.safetensors"]

    /// `mergeRules` say how a model-parallel folder's tensors are split (Models'
    /// `Architectures.modelParallelMergeRule`); without them such a folder is refused.
    public static func open(_ path: String, mergeRules: MergeRules? = nil) throws -> TensorSource {
        if ModelParallelCheckpoint.isCheckpointDirectory(path) {
            guard let mergeRules else { throw ModelParallelError.noMergeRules(path: path) }
            return try ModelParallelCheckpoint(directory: path, mergeRules: mergeRules)
        }
        let file = try checkpointFile(in: path)
        return try CheckpointFormat.detect(path: file).open(file)
    }

    /// Single-file PyTorch checkpoints Hugging Face folders hold.
    public static let pytorchNames = ["pytorch_model.bin", "consolidated.pth", "model.pt", "model.pth"]

    /// The checkpoint file to read for `path` (itself if it is a file).
    public static func checkpointFile(in path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointOpenError.notFound(path: path)
        }
        guard isDirectory.boolValue else { return path }
        let folder = URL(fileURLWithPath: path)
        for name in preferredNames where FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
            return folder.appendingPathComponent(name).path
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let indexes = entries.filter { $0.hasSuffix(".safetensors.index.json") }.sorted()
        let files = entries.filter { $0.hasSuffix(".safetensors") && !$0.hasPrefix(".") }.sorted()
        var candidates = indexes.isEmpty ? files : indexes
        if candidates.isEmpty { candidates = entries.filter { $0.hasSuffix(".bin.index.json") }.sorted() }
        if candidates.isEmpty { candidates = pytorchNames.filter(entries.contains) }
        if candidates.isEmpty {
            candidates = entries.filter { !$0.hasPrefix(".") && ($0.hasSuffix(".gguf") || $0.hasSuffix(ZstdContainer.fileExtension)) }
                .sorted()
        }
        guard let only = candidates.first else { throw CheckpointOpenError.noCheckpointInDirectory(path: path) }
        guard candidates.count == 1 else { throw CheckpointOpenError.ambiguousDirectory(path: path, candidates: candidates) }
        return folder.appendingPathComponent(only).path
    }
}
