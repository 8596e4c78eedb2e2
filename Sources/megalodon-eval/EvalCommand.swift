import ArgumentParser
import CommandSupport

@main
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon-eval",
        abstract: "Score models on ARC, BoolQ, TriviaQA, SCROLLS and long-context perplexity.",
        discussion:
            "Prompts, requests and metrics follow lm-evaluation-harness 0.4.13 exactly (checked item by item against it), so numbers are comparable with lm-eval's. `run` scores tasks and writes results.json and samples.jsonl; `perplexity` measures perplexity against context length (the MEGALODON paper's Figure 5); `table` renders several results as Markdown, CSV and an SVG plot; `merge` joins the shards of a run split with --shard. Every run is resumable: restart a killed run with the same arguments and finished items are reused.",
        subcommands: [
            RunCommand.self, PerplexityCommand.self, TableCommand.self, MergeCommand.self, SubmitCommand.self, CompareCommand.self,
        ])
}
