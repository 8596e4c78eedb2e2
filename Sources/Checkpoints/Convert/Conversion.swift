import Foundation
import Tensors

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

    public init(input: CheckpointInput, kind: OutputKind, names: OutputNames, dtype: DType?) throws {
        let effectiveNames = kind == .gguf ? OutputNames.gguf : names
        if kind == .gguf, input.convention.family != .llama {
            throw ConversionError.unsupportedConversion(input: input.source.location, detail: "GGUF output is written for Llama-architecture models only (this is \(input.convention.rawValue))")
        }
        let result = try ConversionPlanner.plan(input, names: effectiveNames, dtype: dtype)
        self.input = input
        planned = result.source
        configuration = result.configuration
        self.kind = kind
    }

    public var totalBytes: Int { planned.tensorInfos.reduce(0) { $0 + $1.byteCount } }

    /// Writes the output at `path`; `progress` receives the bytes done so far.
    public func write(to path: String, progress: @escaping (Int) -> Void = { _ in }) throws {
        switch kind {
        case .directory:
            guard configuration != nil || input.convention == .unknown else {
                throw ConversionError.missingConfiguration(input: input.source.location, hint: "a model directory needs config.json; pass --config FILE")
            }
            var writer = ModelDirectoryWriter(directory: path)
            writer.maximumShardSize = maximumShardSize
            writer.overwrite = overwrite
            writer.progress = progress
            try writer.write(planned, configuration: configuration, tokenizerFiles: input.tokenizerFiles)
        case .zstd:
            var writer = ZstdContainerWriter(level: compressionLevel, bytePlanes: bytePlanes)
            writer.progress = progress
            try writer.write(planned, metadata: configuration.map { ["config.json": $0.canonicalJSON] } ?? [:], to: path, overwrite: overwrite)
        case .gguf:
            throw ConversionError.unsupportedConversion(input: input.source.location, detail: "\(kind.rawValue) output is not implemented yet")
        }
    }

    /// Re-reads the output at `path` and compares every tensor with the planned values.
    public func verify(_ path: String, progress: @escaping (Int) -> Void = { _ in }) throws {
        let output = try ModelDirectory.open(path)
        let expected: TensorSource = planned
        try ConversionVerifier.verify(output: output, expected: expected, progress: progress)
    }
}
