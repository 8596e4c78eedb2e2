import ArgumentParser
import Checkpoints
import CommandSupport
import Conversion
import Foundation
import Tensors
import Tokenizers

struct ConvertSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a checkpoint into a model directory, a GGUF file or a zstd container.",
        discussion: """
            The input can be a canonical model directory, a Hugging Face Llama folder (single or sharded safetensors), an official MEGALODON training checkpoint folder (config.json, consolidate_config.json, consolidated.pth or consolidated.NN.pth shards, merged along the official model-parallel axes), a Meta Llama folder (params.json and consolidated.NN.pth), a PyTorch .pt/.pth/.bin file, a megalodon-jax safetensors file, a GGUF file or one of our .mzst containers. Formats are recognised from file content and the naming convention from the tensor names.

            The output is written tensor by tensor, so memory stays near the size of the largest tensor whatever the model size. Every file goes to a hidden temporary beside its final name and is renamed into place only when the whole output is complete; on any error or interruption nothing appears under a final name. An existing output is kept unless --force is given.

            MEGALODON is written under the official key names and Llama under Hugging Face names (with the query/key rows re-ordered from Meta's and GGUF's interleaved RoPE layout). Use --names jax for megalodon-jax names.

            Examples:
              megalodon-convert convert ckpt-dir/ -o model/ --dtype bf16 --verify
              megalodon-convert convert model.pt -o model/ --max-shard-size 2GB
              megalodon-convert convert Llama-2-7b/ -o llama-hf/ --dry-run
            """)

    @Argument(help: "The checkpoint to read: a file or a folder.")
    var input: String

    @Option(
        name: [.short, .long],
        help: ArgumentHelp("Where to write: a folder (model directory), a .gguf file or a .mzst file.", valueName: "path"))
    var output: String?

    @Option(help: ArgumentHelp("Output kind: directory, gguf or zstd (default: implied by the output name).", valueName: "kind"))
    var to: String?

    @Option(
        help: ArgumentHelp(
            "Store floating-point tensors as f32, f16 or bf16 (default: keep each tensor's dtype). Integers are never changed.",
            valueName: "dtype"))
    var dtype: String?

    @Option(
        help: ArgumentHelp(
            "Tensor names in the output: official (MEGALODON official / Llama Hugging Face) or jax (megalodon-jax).", valueName: "names"))
    var names = "official"

    @Option(
        help: ArgumentHelp(
            "Split safetensors weights into shards of at most this size (e.g. 500MB, 5GB) with model.safetensors.index.json.",
            valueName: "size"))
    var maxShardSize: String?

    @Option(
        help: ArgumentHelp(
            "The model configuration file to use (config.json, a MEGALODON training config, or params.json) when the input has none.",
            valueName: "file"))
    var config: String?

    @Option(
        help: ArgumentHelp("Read only the tensors under this name prefix (for example weights), named without it.", valueName: "prefix"))
    var prefix: String?

    @Option(help: ArgumentHelp("zstd compression level for .mzst output (1–19).", valueName: "level"))
    var level = 3

    @Flag(inversion: .prefixedNo, help: "Split 16/32-bit floats into byte planes before compressing (.mzst output).")
    var bytePlanes = true

    @Flag(help: "Re-read the written output and compare every tensor's bytes with what was meant to be written.")
    var verify = false

    @Flag(help: "Print the name mapping, shapes and dtypes, and write nothing.")
    var dryRun = false

    @Flag(help: "Replace an existing output.")
    var force = false

    func validate() throws {
        if let dtype, !["f32", "f16", "bf16"].contains(dtype.lowercased()) {
            throw ValidationError("--dtype must be f32, f16 or bf16 (got \(dtype))")
        }
        guard ["official", "jax"].contains(names) else { throw ValidationError("--names must be official or jax (got \(names))") }
        if let to, OutputKind(rawValue: to) == nil { throw ValidationError("--to must be directory, gguf or zstd (got \(to))") }
        if output == nil, !dryRun { throw ValidationError("give --output (or --dry-run to only list the plan)") }
        if let maxShardSize, ByteSize.parse(maxShardSize) == nil {
            throw ValidationError("--max-shard-size must be a size such as 500MB or 5GB (got \(maxShardSize))")
        }
        guard (1...22).contains(level) else { throw ValidationError("--level must be from 1 to 22") }
    }

    func run() throws {
        AllocatorTuning.returnFreedMemory()
        try reportingErrors {
            let opened = try CheckpointInput.open(input, configPath: config, prefix: prefix)
            let kind = to.flatMap(OutputKind.init(rawValue:)) ?? output.map(OutputKind.implied(by:)) ?? .directory
            var conversion = try Conversion(
                input: opened, kind: kind, names: names == "jax" ? .megalodonJax : .canonical,
                dtype: dtype.flatMap { DType(rawValue: $0.uppercased()) })
            conversion.maximumShardSize = maxShardSize.flatMap(ByteSize.parse) ?? Int.max
            conversion.overwrite = force
            conversion.compressionLevel = level
            conversion.bytePlanes = bytePlanes
            if kind == .gguf { conversion.extraGGUFMetadata = try TokenizerGGUFKeys.keys(for: opened.tokenizerFiles) }
            if dryRun {
                print(Self.listing(conversion), terminator: "")
                return
            }
            guard let output else { return }
            let writing = ProgressReporter("writing \(output)", total: conversion.totalBytes, unit: .bytes)
            try conversion.write(to: output, progress: Self.reporting(to: writing))
            writing.finish()
            if verify {
                let checking = ProgressReporter("verifying", total: conversion.totalBytes, unit: .bytes)
                try conversion.verify(output, progress: Self.reporting(to: checking))
                checking.finish()
                print("verified: \(conversion.planned.tensorInfos.count) tensors, \(conversion.totalBytes) bytes identical")
            }
            print(
                "wrote \(output) (\(kind.rawValue), \(conversion.planned.tensorInfos.count) tensors, \(ByteCountText.format(Double(conversion.totalBytes))))"
            )
        }
    }

    /// Library progress is a running total; the reporter counts increments.
    static func reporting(to reporter: ProgressReporter) -> (Int) -> Void {
        var last = 0
        return { total in
            reporter.advance(by: total - last)
            last = total
        }
    }

    static func listing(_ conversion: Conversion) -> String {
        var lines = ["\(conversion.input.source.location): \(conversion.input.convention.rawValue) → \(conversion.kind.rawValue)"]
        if let configuration = conversion.configuration {
            lines.append("configuration: \(configuration.family.rawValue), from \(configuration.origin)")
        }
        if !conversion.input.tokenizerFiles.isEmpty {
            lines.append(
                "tokenizer files: "
                    + conversion.input.tokenizerFiles.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", "))
        }
        lines.append("")
        for entry in conversion.planned.plan {
            let shape = "[" + entry.info.shape.map(String.init).joined(separator: ", ") + "]"
            lines.append(
                "  \(InspectCommand.printable(entry.info.name))  \(entry.info.dtype.rawValue) \(shape)  ← \(InspectCommand.printable(entry.recipe.summary))"
            )
        }
        lines.append("")
        lines.append(
            "\(conversion.planned.plan.count) tensors, \(conversion.totalBytes) bytes (\(ByteCountText.format(Double(conversion.totalBytes)))); nothing written (--dry-run)"
        )
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Sizes as people type them: 500MB, 5GB, 2GiB, 1000000.
enum ByteSize {
    static func parse(_ text: String) -> Int? {
        let units: [(String, Int)] = [
            ("GIB", 1 << 30), ("MIB", 1 << 20), ("KIB", 1 << 10), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000), ("B", 1),
        ]
        let upper = text.uppercased().trimmingCharacters(in: .whitespaces)
        for (suffix, scale) in units where upper.hasSuffix(suffix) {
            guard let value = Double(upper.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), value > 0 else { return nil }
            return Int(value * Double(scale))
        }
        return Int(upper).flatMap { $0 > 0 ? $0 : nil }
    }
}
