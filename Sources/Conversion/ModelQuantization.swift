import Checkpoints
import Foundation
import Models
import Quantization

/// Why a model cannot be quantized as asked. Cases name the scheme, option or input concerned.
public enum ModelQuantizationError: Error, Equatable, CustomStringConvertible {
    case schemeNotInGGUF(scheme: String, option: String)
    case groupSizeConflict(scheme: String, groupSize: Int)
    case unsupportedOutput(kind: String)
    case missingConfiguration(input: String)

    public var description: String {
        switch self {
        case let .schemeNotInGGUF(scheme, option):
            return "\(option) \(scheme) cannot be stored in GGUF; a .gguf output takes q8_0, q4_0 or q4_1"
        case let .groupSizeConflict(scheme, groupSize):
            return
                "--group-size \(groupSize) contradicts the scheme \(scheme) (ggml types have blocks of 32; a grouped scheme spelled with its group needs no --group-size)"
        case let .unsupportedOutput(kind): return "quantized output is a model directory or a .gguf file, not \(kind)"
        case let .missingConfiguration(input):
            return "\(input): no model configuration found (config.json); a quantized model directory needs one"
        }
    }
}

/// One quantization of a model: the conversion plan of `megalodon-convert` (names, layouts, tokenizer
/// and GGUF metadata) with its float matrices replaced as the policy says, written atomically.
public struct ModelQuantization {
    public let conversion: Conversion
    public let policy: QuantizationPolicy
    public let source: QuantizedModelSource
    public var overwrite = false

    /// `kind` is `.directory` (quantized safetensors) or `.gguf` (Llama models, ggml types only).
    /// `tokenizerGGUFKeys`: GGUF tokenizer keys built from the input's tokenizer files (GGUF output).
    public init(
        input: CheckpointInput, kind: OutputKind, policy: QuantizationPolicy,
        tokenizerGGUFKeys: [(key: String, value: GGUFValue)] = []
    ) throws {
        switch kind {
        case .directory: break
        case .gguf:
            let schemes: [(option: String, scheme: QuantizationScheme?)] = [
                ("--scheme", policy.scheme), ("--embeddings", policy.embeddings),
            ]
            for (option, scheme) in schemes {
                if let scheme, scheme.ggmlType == nil {
                    throw ModelQuantizationError.schemeNotInGGUF(scheme: scheme.description, option: option)
                }
            }
        case .zstd: throw ModelQuantizationError.unsupportedOutput(kind: kind.rawValue)
        }
        var conversion = try Conversion(input: input, kind: kind, names: .canonical, dtype: nil)
        conversion.extraGGUFMetadata = tokenizerGGUFKeys
        if kind == .directory, conversion.configuration == nil, input.convention != .unknown {
            throw ModelQuantizationError.missingConfiguration(input: input.source.location)
        }
        self.conversion = conversion
        self.policy = policy
        let family = conversion.configuration?.family ?? input.convention.family
        source = QuantizedModelSource(input: conversion.planned, policy: policy, layout: kind == .gguf ? .gguf : .safetensors) {
            Architectures.quantizationRole(of: $0, family: family)
        }
    }

    /// Writes the output at `path`; `progress` receives the output bytes written so far.
    public func write(to path: String, progress: @escaping (Int) -> Void = { _ in }) throws {
        switch conversion.kind {
        case .gguf:
            var writer = GGUFWriter(metadata: try conversion.ggufMetadata(blockTypes: source.blockTypes))
            writer.blockTypes = source.blockTypes
            writer.progress = progress
            try writer.write(source, to: path, overwrite: overwrite)
        default:
            var writer = ModelDirectoryWriter(directory: path)
            writer.overwrite = overwrite
            writer.progress = progress
            try writer.write(
                source, configJSON: try configuration()?.canonicalJSON, tokenizerFiles: conversion.input.tokenizerFiles,
                generatedFiles: conversion.generatedDirectoryFiles, metadata: source.metadata.sortedMetadata)
        }
    }

    /// The converted configuration with the `quantization` section (formats/quantized-safetensors.md).
    func configuration() throws -> ModelConfiguration? {
        guard var configuration = conversion.configuration else { return nil }
        // Sorted keys: the same policy writes the same bytes in every run (a Dictionary's order is not).
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = try encoder.encode(QuantizationConfig(policy: policy))
        let section = try JSONParser.parse([UInt8](encoded))
        var fields = JSONObject()
        for (key, value) in configuration.fields.members where key != "quantization" { fields.append(key: key, value: value) }
        fields.append(key: "quantization", value: section)
        configuration.fields = fields
        return configuration
    }

    /// The per-tensor report (with the errors measured while writing, if written).
    public func report(manifest: QuantizationReport.Manifest) -> QuantizationReport {
        QuantizationReport(source: source, manifest: manifest)
    }

    /// The input's files and their sizes, for the report's manifest.
    public static func inputFiles(of path: String) -> [QuantizationReport.Manifest.InputFile] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        let files =
            isDirectory.boolValue
            ? ((try? manager.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }
            : [path]
        return files.compactMap { file in
            guard let size = (try? manager.attributesOfItem(atPath: file))?[.size] as? NSNumber else { return nil }
            return .init(name: URL(fileURLWithPath: file).lastPathComponent, bytes: size.intValue)
        }
    }
}

extension QuantizationScheme {
    /// A scheme as the command line gives it: `--scheme` with an optional `--group-size`. `int8` and
    /// `int4` without a group take `--group-size` (default 32); a scheme that names its group, and
    /// the ggml types (blocks of 32), refuse a different `--group-size`.
    public init(parsing text: String, groupSize: Int?) throws {
        let lower = text.lowercased()
        if lower == "int8" || lower == "int4" || lower.hasPrefix("int8-sym") || lower.hasPrefix("int8-asym")
            || lower.hasPrefix("int4-sym") || lower.hasPrefix("int4-asym")
        {
            let size = groupSize ?? 32
            guard GroupedScheme.groupSizes.contains(size) else { throw QuantizationError.unsupportedGroupSize(size) }
            var parts = lower.split(separator: "-").map(String.init)
            parts.insert("g\(size)", at: 1)
            self = try QuantizationScheme(parsing: parts.joined(separator: "-"))
            return
        }
        self = try QuantizationScheme(parsing: text)
        guard let groupSize else { return }
        switch self {
        case .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl:
            guard groupSize == QuantizedLayout.blockValues else {
                throw ModelQuantizationError.groupSizeConflict(scheme: description, groupSize: groupSize)
            }
        case let .grouped(grouped):
            guard grouped.grouping == .size(groupSize) else {
                throw ModelQuantizationError.groupSizeConflict(scheme: description, groupSize: groupSize)
            }
        }
    }
}
