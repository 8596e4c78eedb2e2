import ArgumentParser
import Checkpoints
import CommandSupport
import Conversion
import Foundation
import Models
import Provenance
import Quantization
import Tokenizers

@main
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon-quantize",
        abstract: "Quantize a model to int8 or int4 and report what it loses.",
        discussion: """
            The input is anything megalodon-convert reads (a MEGALODON or Llama model directory, a Hugging Face folder, an official training checkpoint, a PyTorch file, a GGUF file, one of our .mzst containers). Tensor names, layouts, the configuration and the tokenizer files are planned exactly as megalodon-convert plans them; then the weight matrices of linear layers are quantized. Norms, biases, MEGALODON's CEMA parameters and its gamma/beta stay in float whatever their shape; embedding tables stay in float unless --embeddings gives a scheme. --only restricts quantization to matching names and --keep keeps matches in float (keep wins); patterns are shell globs over whole tensor names of the output (for example '*.mlp.down_proj.weight' or 'layers.0.*'; see --dry-run for the names).

            Schemes: q8_0, q4_0 and q4_1 are llama.cpp's block types (32 values per block, bit-exact with llama.cpp); int8 and int4 are our grouped schemes, spelled int8|int4-g32|g64|g128|row-sym|asym-f16|f32 (row is int8 only), or just int8/int4 with --group-size (default 32; int8 symmetric, int4 asymmetric, f16 scales).

            An OUTPUT folder becomes a quantized model directory (safetensors as described in formats/quantized-safetensors.md, config.json with a quantization section, the tokenizer files). An OUTPUT ending in .gguf becomes a GGUF v3 file for llama.cpp (Llama models only; the scheme must be q8_0, q4_0 or q4_1; 1-D tensors in F32). Every file is written to a hidden temporary and renamed into place only when the whole output is complete; an existing output is kept unless --force is given.

            After writing, a table lists every tensor: its shape, how it is stored (the scheme, or kept and why), bits per weight, and the quantization error of quantized tensors (RMS error relative to the tensor's RMS, and the largest absolute error), then the total size before and after. --report also writes all of this as JSON with a manifest (tool version and git commit, CPU model and threads, input files, settings), as megalodon-eval's results.json records them. --eval-text scores the original and the written quantized model on a text, cut into chunks of --eval-context tokens scored like llama.cpp's llama-perplexity (fresh state per chunk, second half of each chunk scored), and prints both perplexities and the relative change; the quantized model runs on the quantized kernels, as megalodon-generate would run it.

            Examples:
              megalodon-quantize SmolLM2/ --output SmolLM2-q4/ --scheme int4 --group-size 64
              megalodon-quantize SmolLM2/ --output smollm2-q8_0.gguf --scheme q8_0 --embeddings q8_0
              megalodon-quantize mega200M/ --output mega200M-int8/ --scheme int8-row --keep 'layers.0.*' --report int8.json
              megalodon-quantize SmolLM2/ --output SmolLM2-q4_0/ --scheme q4_0 --eval-text kjv.txt --eval-chunks 20
            """)

    @Argument(
        help: ArgumentHelp("The model to quantize: a folder or a checkpoint file (anything megalodon-convert reads).", valueName: "input"))
    var input: String

    @Option(
        name: [.short, .long],
        help: ArgumentHelp("Where to write: a folder (quantized model directory) or a .gguf file.", valueName: "path"))
    var output: String?

    @Option(
        help: ArgumentHelp(
            "The model configuration file to use (config.json, a MEGALODON training config, or params.json) when the input has none.",
            valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("q8_0, q4_0, q4_1, int8, int4, or a full grouped spelling such as int4-g64-asym-f16.", valueName: "scheme"))
    var scheme: String

    @Option(help: ArgumentHelp("Values per scale group for int8/int4: 32, 64 or 128.", valueName: "n"))
    var groupSize: Int?

    @Option(help: ArgumentHelp("Scheme for embedding tables, or keep (default) to store them in float.", valueName: "scheme|keep"))
    var embeddings = "keep"

    @Option(help: ArgumentHelp("Keep tensors whose name matches this glob in float (repeatable).", valueName: "pattern"))
    var keep: [String] = []

    @Option(help: ArgumentHelp("Quantize only tensors whose name matches this glob (repeatable).", valueName: "pattern"))
    var only: [String] = []

    @Flag(help: "Replace an existing output.")
    var force = false

    @Flag(help: "List every tensor's decision and the sizes, and write nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Also write the report as JSON to this file.", valueName: "file.json"))
    var report: String?

    @Option(help: ArgumentHelp("A UTF-8 text to score the original and the quantized model on.", valueName: "file"))
    var evalText: String?

    @Option(help: ArgumentHelp("Tokens per perplexity chunk (--eval-text).", valueName: "tokens"))
    var evalContext = 512

    @Option(help: ArgumentHelp("Chunks to score (--eval-text; default: every whole chunk of the text).", valueName: "n"))
    var evalChunks: Int?

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if output == nil, !dryRun { throw ValidationError("give --output (or --dry-run to only list the decisions)") }
        if evalText != nil, dryRun { throw ValidationError("--eval-text needs a written output; drop --dry-run") }
        guard evalContext >= 4 else { throw ValidationError("--eval-context must be at least 4") }
        if let evalChunks, evalChunks < 1 { throw ValidationError("--eval-chunks must be at least 1") }
        if let groupSize, !GroupedScheme.groupSizes.contains(groupSize) {
            throw ValidationError("--group-size must be 32, 64 or 128 (got \(groupSize))")
        }
        if let output, OutputKind.implied(by: output) == .zstd { throw ValidationError("--output must be a folder or a .gguf file") }
        if !force, let report, FileManager.default.fileExists(atPath: report) {
            throw ValidationError("\(report) exists; pass --force to replace it")
        }
    }

    func run() throws {
        AllocatorTuning.returnFreedMemory()
        try reportingErrors {
            compute.apply()
            var settings = QuantizationJob.Settings(input: input, policy: try makePolicy())
            settings.configPath = config
            (settings.evalText, settings.evalContext, settings.evalChunks) = (evalText, evalContext, evalChunks)
            (settings.reportPath, settings.overwrite, settings.arithmetic) = (report, force, compute.arithmetic)
            let job = try QuantizationJob(
                settings: settings, run: compute.run(tool: "megalodon-quantize"),
                kind: output.map(OutputKind.implied(by:)) ?? .directory)
            guard let output, !dryRun else {
                printReport(job.plannedReport)
                print("nothing written (--dry-run)")
                return
            }
            printReport(try job.write(to: output, meters: ProgressReporter.meters))
            print("wrote \(output)" + (report.map { " and \($0)" } ?? ""))
        }
    }

    func makePolicy() throws -> QuantizationPolicy {
        QuantizationPolicy(
            scheme: try QuantizationScheme(parsing: scheme, groupSize: groupSize),
            embeddings: embeddings.lowercased() == "keep" ? nil : try QuantizationScheme(parsing: embeddings, groupSize: groupSize),
            keep: try keep.map(NamePattern.init), only: try only.map(NamePattern.init))
    }

    /// The per-tensor table, the totals and the perplexity comparison.
    func printReport(_ report: QuantizationReport) {
        print(report.table, terminator: "")
        let totals = report.totals
        print(
            "\n\(totals.quantized) of \(totals.tensors) tensors quantized; \(ByteCountText.format(Double(totals.bytesBefore))) → "
                + "\(ByteCountText.format(Double(totals.bytesAfter)))" + String(format: " (%.2f× smaller)", totals.compression))
        if let perplexity = report.perplexity {
            print(
                String(
                    format: "perplexity on %@ (%d chunks of %d tokens, %d scored): original %.4f, quantized %.4f, change %+.2f%%",
                    perplexity.text, perplexity.chunks, perplexity.context, perplexity.scoredTokens,
                    perplexity.original, perplexity.quantized, 100 * perplexity.relativeChange))
        }
    }
}
