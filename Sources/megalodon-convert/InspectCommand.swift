import ArgumentParser
import Checkpoints
import CommandSupport
import Foundation
import Models

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List a checkpoint's tensors (name, dtype, shape, bytes), metadata and totals.",
        discussion:
            "Give a checkpoint file or a folder: safetensors (single, or sharded with model.safetensors.index.json), a PyTorch .pt/.pth/.bin (read without executing the pickle; a state dict wrapped in state_dict/model/... is shown inside its wrapper), an official MEGALODON training folder (consolidate_config.json with consolidated.NN.pth shards, shown merged along the model-parallel axes) or a Meta Llama folder (params.json), a GGUF file, or a .mzst zstd container. The format is recognised from the file's content. Every header is validated strictly, so a damaged or hostile file is reported with the rule it breaks (for example an offset that leaves a hole in the data) and the command exits with status 1. Only headers and indexes are read: inspecting a large checkpoint is instant."
    )

    @Argument(help: "A checkpoint file, or a folder holding one (safetensors, PyTorch, model-parallel shards, GGUF, .mzst).")
    var path: String

    func run() throws {
        try reportingErrors {
            let source = try Architectures.openCheckpoint(path)
            print(Self.report(source), terminator: "")
        }
    }

    static func report(_ source: TensorSource) -> String {
        let summary = CheckpointSummary(source)
        var lines = ["\(source.location) (\(summary.kind))", "", "tensors:"]
        let rows = CheckpointSummary.storedTensors(of: source).map { tensor in
            [
                Self.printable(tensor.name), tensor.type, "[" + tensor.shape.map(String.init).joined(separator: ", ") + "]",
                String(tensor.byteCount),
            ]
        }
        let header = ["name", "type", "shape", "bytes"]
        let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            let padded = row.enumerated().map { column, text in
                column == row.count - 1
                    ? String(repeating: " ", count: widths[column] - text.count) + text
                    : text + String(repeating: " ", count: widths[column] - text.count)
            }
            lines.append("  " + padded.joined(separator: "  "))
        }
        lines.append("")
        let metadata = source.metadata.sorted { $0.key < $1.key }
        lines.append(metadata.isEmpty ? "metadata: none" : "metadata:")
        lines += metadata.map { "  \(Self.printable($0.key)): \(Self.printable($0.value))" }
        lines.append("")
        lines.append(
            "totals: \(summary.tensorCount) tensors, \(summary.byteCount) bytes (\(ByteCountText.format(Double(summary.byteCount)))), \(summary.parameterCount) parameters"
        )
        return lines.joined(separator: "\n") + "\n"
    }

    /// Names and metadata come from the file: control characters are shown escaped so they cannot
    /// break the listing or drive the terminal.
    static func printable(_ text: String) -> String {
        if text.isEmpty { return "\"\"" }
        return text.unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }.joined()
    }
}
