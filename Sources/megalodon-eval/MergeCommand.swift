import ArgumentParser
import CommandSupport
import Evaluation
import Foundation

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the output folders of a run split with --shard i/n.",
        discussion:
            "Every shard 0..n-1 of the same run (same model, data and settings) must be given once. The merged results.json and samples.jsonl are what the unsharded run writes, byte for byte. Example: megalodon-eval merge runs/part0 runs/part1 --output runs/all"
    )

    @Argument(help: ArgumentHelp("Shard output folders.", valueName: "dir"))
    var shards: [String]

    @Option(help: ArgumentHelp("Folder for the merged results.json and samples.jsonl.", valueName: "dir"))
    var output: String

    @Flag(help: "Replace existing results in the output folder.")
    var force = false

    func run() throws {
        try reportingErrors {
            let merged = try ShardMerge.merge(shards.map { URL(fileURLWithPath: $0) }, into: URL(fileURLWithPath: output), overwrite: force)
            if !merged.lmEvalFiles.isEmpty {
                print("lm-eval files: \(merged.lmEvalFiles.map(\.lastPathComponent).joined(separator: ", "))")
            }
            print(ResultsTable([merged.results]).markdown(), terminator: "")
        }
    }
}
