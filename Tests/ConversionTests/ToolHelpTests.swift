import Foundation
import TestSupport
import Testing

/// Every tool's and subcommand's `--help` fits an 80-column terminal (the text is wrapped by
/// swift-argument-parser; usage lines and unbreakable defaults are what can overflow).
@Suite("--help fits 80 columns", .enabled(if: QuantizeModelFixtures.tool != nil, "the tools are not built beside the tests"))
struct ToolHelpTests {
    static let commands: [[String]] = [
        ["megalodon-convert"], ["megalodon-convert", "convert"], ["megalodon-convert", "inspect"], ["megalodon-convert", "init"],
        ["megalodon-quantize"], ["megalodon-generate"],
        ["megalodon-eval"], ["megalodon-eval", "run"], ["megalodon-eval", "perplexity"], ["megalodon-eval", "table"],
        ["megalodon-eval", "merge"],
        ["megalodon-eval", "compare"], ["megalodon-eval", "submit"],
        ["megalodon-bench"], ["megalodon-bench", "megalodon"], ["megalodon-bench", "megalodon-longrun"], ["megalodon-bench", "llama"],
        ["megalodon-bench", "quant"], ["megalodon-bench", "convert"], ["megalodon-bench", "perplexity-memory"],
        ["megalodon-bench", "quant-kernels"],
        ["megalodon-bench", "blas"], ["megalodon-bench", "decode"],
    ]

    @Test("no help line is longer than 80 columns", arguments: commands)
    func helpWidth(command: [String]) throws {
        let folder = try #require(QuantizeModelFixtures.tool).deletingLastPathComponent()
        let process = Process()
        process.executableURL = folder.appendingPathComponent(command[0])
        process.arguments = Array(command.dropFirst()) + ["--help"]
        process.environment = ["COLUMNS": "80"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("USAGE:"))
        let long = text.split(separator: "\n").map(String.init).filter { $0.count > 80 }
        #expect(long.isEmpty, "\(command.joined(separator: " ")): \(long)")
    }
}
