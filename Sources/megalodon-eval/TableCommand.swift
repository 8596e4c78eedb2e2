import ArgumentParser
import Checkpoints
import CommandSupport
import Evaluation
import Foundation
import Models

struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Render results as paper-style Markdown and CSV tables and a perplexity plot.",
        usage: "megalodon-eval table <results> ... [<options>]",
        discussion:
            "Rows are models, columns are tasks with the metric the papers report (acc_norm for ARC, acc for BoolQ, exact match for TriviaQA, the SCROLLS score), as percentages, plus PPL at each context length from `perplexity` runs. A run and a perplexity run of the same model share a row. The Markdown table goes to standard output; --output-prefix also writes PREFIX.md, PREFIX.csv and PREFIX.svg (perplexity against context length, log-scale x, one line per model). Example: megalodon-eval table runs/*/results.json ppl/*/results.json --output-prefix paper"
    )

    @Argument(help: ArgumentHelp("results.json files, or folders holding one.", valueName: "results"))
    var results: [String]

    @Option(help: ArgumentHelp("Write PREFIX.md, PREFIX.csv and PREFIX.svg.", valueName: "prefix"))
    var outputPrefix: String?

    @Option(
        help: ArgumentHelp(
            "Rows and plot lines per model, or per model and corpus (one per perplexity document).", valueName: "model|corpus"))
    var label: ResultsLabel = .model

    @Flag(help: "Replace existing output files.")
    var force = false

    func run() throws {
        try reportingErrors {
            let loaded = try results.map { path -> RunResults in
                var url = URL(fileURLWithPath: path)
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                    url.appendPathComponent(RunOutput.resultsName)
                }
                return try RunResults.load(from: url)
            }
            let table = ResultsTable(loaded, labelling: label)
            print(table.markdown(), terminator: "")
            guard let outputPrefix else { return }
            try AtomicOutput.writing(overwrite: force) { output in
                let files = [("md", table.markdown()), ("csv", table.csv()), ("svg", PerplexityPlot(loaded, labelling: label).svg())]
                for (suffix, text) in files {
                    try output.write(to: "\(outputPrefix).\(suffix)") { try $0.write(Array(text.utf8)) }
                }
            }
        }
    }
}

extension ResultsLabel: ExpressibleByArgument {}
