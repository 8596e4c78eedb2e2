import Checkpoints
import Foundation
import Models
import Tensors

/// A checkpoint with no tensors (for tensor-less GGUF files).
final class EmptySource: TensorSource, @unchecked Sendable {
    static let empty = EmptySource()
    var location: String { "" }
    var tensorInfos: [TensorInfo] { [] }
    var metadata: [String: String] { [:] }
    func tensor(named name: String) throws -> Tensor { throw ConversionError.missingTensor(input: location, tensor: name) }
}

/// The kinds of output `megalodon-convert convert` writes.
public enum OutputKind: String, Sendable, CaseIterable {
    /// The canonical model directory (config.json, safetensors, tokenizer files).
    case directory
    /// A GGUF file (Llama architecture).
    case gguf
    /// Our zstd-compressed container (formats/zstd-container.md).
    case zstd

    /// The kind an output path implies (`.gguf`, `.mzst`), else a model directory.
    public static func implied(by path: String) -> OutputKind {
        if path.hasSuffix(".gguf") { return .gguf }
        if path.hasSuffix(ZstdContainer.fileExtension) { return .zstd }
        return .directory
    }
}

/// One conversion, from an opened input to an output, planned up front (names, shapes, dtypes)
/// and then streamed tensor by tensor.
public struct Conversion {
    public var input: CheckpointInput
    public var planned: PlannedSource
    public var configuration: ModelConfiguration?
    public var kind: OutputKind

    public var maximumShardSize = Int.max
    public var overwrite = false
    public var compressionLevel = 3
    public var bytePlanes = true
    /// Further GGUF key/values (the tokenizer's, built by the caller from tokenizer files).
    public var extraGGUFMetadata: [(key: String, value: GGUFValue)] = []
    /// What the last `write` handed its writer, as digests for `verify`.
    private let lastWritten = LastWrite()

    public init(input: CheckpointInput, kind: OutputKind, names: OutputNames, dtype: DType?) throws {
        let effectiveNames = kind == .gguf ? OutputNames.gguf : names
        if kind == .gguf, input.convention.family.flatMap(Architectures.architecture(of:))?.ggufArchitecture == nil {
            let withGGUF = Architectures.all.compactMap { $0.ggufArchitecture }.joined(separator: ", ")
            throw ConversionError.unsupportedConversion(
                input: input.source.location,
                detail:
                    "GGUF output is written for architectures with a GGUF form (\(withGGUF)) only (this is \(input.convention.rawValue))")
        }
        let result = try ConversionPlanner.plan(input, names: effectiveNames, dtype: dtype)
        self.input = input
        planned = kind == .gguf ? Self.ggufStorage(result.source) : result.source
        configuration = result.configuration
        self.kind = kind
    }

    /// llama.cpp's storage policy: 1-D tensors (norms, biases) stay F32; floats GGUF cannot hold become F32.
    static func ggufStorage(_ source: PlannedSource) -> PlannedSource {
        let plan = source.plan.map { entry -> PlannedTensor in
            var entry = entry
            if entry.info.dtype.isFloatingPoint, entry.info.shape.count <= 1 || ![.f32, .f16, .bf16].contains(entry.info.dtype) {
                entry.info.dtype = .f32
            }
            return entry
        }
        return PlannedSource(input: source.input, plan: plan, metadata: source.metadata)
    }

    public var totalBytes: Int { planned.tensorInfos.reduce(0) { $0 + $1.byteCount } }

    /// Writes the output at `path`; `progress` receives the bytes done so far.
    public func write(to path: String, progress: @escaping (Int) -> Void = { _ in }) throws {
        let planned = DigestRecordingSource(self.planned)
        lastWritten.set(nil)
        switch kind {
        case .directory:
            guard configuration != nil || input.convention == .unknown else {
                throw ConversionError.missingConfiguration(
                    input: input.source.location, hint: "a model directory needs config.json; pass --config FILE")
            }
            var writer = ModelDirectoryWriter(directory: path)
            writer.maximumShardSize = maximumShardSize
            writer.overwrite = overwrite
            writer.progress = progress
            try writer.write(
                planned, configJSON: configuration?.canonicalJSON, tokenizerFiles: input.tokenizerFiles,
                generatedFiles: generatedDirectoryFiles)
        case .zstd:
            var writer = ZstdContainerWriter(level: compressionLevel, bytePlanes: bytePlanes)
            writer.progress = progress
            try writer.write(
                planned, metadata: configuration.map { ["config.json": $0.canonicalJSON] } ?? [:], to: path, overwrite: overwrite)
        case .gguf:
            var writer = GGUFWriter(metadata: try ggufMetadata())
            writer.progress = progress
            try writer.write(planned, to: path, overwrite: overwrite)
        }
        lastWritten.set(planned.digests)
    }

    /// Files a model directory gains beside the copied tokenizer files: a GGUF input's vocabulary as
    /// `tokenizer.gguf` (unless the input folder already had one).
    public var generatedDirectoryFiles: [(name: String, write: (OutputFile) throws -> Void)] {
        guard let gguf = input.source as? GGUFFile, !input.tokenizerFiles.contains(where: { $0.hasSuffix("/" + GGUFTokenizerFile.name) })
        else { return [] }
        let keys = GGUFTokenizerFile.keys(of: gguf)
        if keys.isEmpty { return [] }
        return [(GGUFTokenizerFile.name, { try GGUFWriter(metadata: keys).write(EmptySource.empty, into: $0) })]
    }

    /// The GGUF key/values of the output: `general.*` and `llama.*` from the configuration, the
    /// tokenizer keys of a GGUF input or `tokenizer.gguf`, then `extraGGUFMetadata`. `blockTypes`
    /// names the tensors written as ggml blocks (for `general.file_type`).
    public func ggufMetadata(blockTypes: [String: GGMLType] = [:]) throws -> [(key: String, value: GGUFValue)] {
        guard let configuration else {
            throw ConversionError.missingConfiguration(input: input.source.location, hint: "GGUF output needs the model's configuration")
        }
        let name =
            configuration.fields["_name_or_path"]?.stringValue
            ?? URL(fileURLWithPath: input.source.location).deletingPathExtension().lastPathComponent
        guard let architecture = Architectures.architecture(of: configuration.family) else {
            throw ConversionError.unsupportedConversion(
                input: input.source.location, detail: "unknown architecture \(configuration.family)")
        }
        var keys = try architecture.ggufMetadata(
            configuration: configuration, name: name, tensors: planned.tensorInfos, blockTypes: blockTypes)
        var tokenizerSources = (input.source as? GGUFFile).map { [$0] } ?? []
        if let file = input.tokenizerFiles.first(where: { $0.hasSuffix("/" + GGUFTokenizerFile.name) }) {
            tokenizerSources.append(try GGUFFile(path: file))
        }
        for source in tokenizerSources {
            keys += GGUFTokenizerFile.keys(of: source).filter { key, _ in !keys.contains { $0.key == key } }
        }
        keys += extraGGUFMetadata.filter { key, _ in !keys.contains { $0.key == key } }
        return keys
    }

    /// Re-reads the output at `path` and compares every tensor with the planned values: with the
    /// digests of what `write` gave its writer when this conversion wrote it (the input is not read a
    /// second time), else tensor by tensor with the input.
    public func verify(_ path: String, progress: @escaping (Int) -> Void = { _ in }) throws {
        let output = try Architectures.openCheckpoint(path)
        if let digests = lastWritten.digests, digests.count == planned.tensorInfos.count {
            try ConversionVerifier.verify(output: output, expected: planned.tensorInfos, digests: digests, progress: progress)
        } else {
            try ConversionVerifier.verify(output: output, expected: planned, progress: progress)
        }
    }
}

/// The digests of a conversion's last write (a class, so a `Conversion` value can record them).
private final class LastWrite: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String: ContentDigest]?

    func set(_ digests: [String: ContentDigest]?) { lock.withLock { recorded = digests } }
    var digests: [String: ContentDigest]? { lock.withLock { recorded } }
}
