import ArgumentParser
import CommandSupport
import Evaluation
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two runs item by item (e.g. merged shards against a single-process run).",
        discussion:
            "Prints every metric of both results.json side by side, then matches samples.jsonl by task and document: predictions and per-item metrics must be identical and log-likelihoods within --tolerance. Exits with status 1 when the runs differ. Example: megalodon-eval compare runs/single runs/sharded/merged"
    )

    @Argument(help: ArgumentHelp("Two run folders (results.json + samples.jsonl).", valueName: "dir"))
    var runs: [String]

    @Option(help: "Largest accepted |difference| between two log-likelihoods (float rounding of batched sums).")
    var tolerance = 1e-4

    func validate() throws {
        guard runs.count == 2 else { throw ValidationError("give exactly two run folders") }
    }

    func run() throws {
        try reportingErrors {
            let comparison = try RunComparison.compare(URL(fileURLWithPath: runs[0]), URL(fileURLWithPath: runs[1]), tolerance: tolerance)
            print(comparison.report(leftName: runs[0], rightName: runs[1]), terminator: "")
            if !comparison.agrees { throw ExitCode(1) }
        }
    }
}
