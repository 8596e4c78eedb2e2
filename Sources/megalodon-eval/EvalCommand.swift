import ArgumentParser
import CommandSupport

@main
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon-eval",
        abstract: "Score a model on ARC, BoolQ, TriviaQA, SCROLLS and long-context perplexity.",
        discussion: "This tool has no subcommands in this build yet; it only answers --help.")

    func run() throws {
        throw ToolFailure("megalodon-eval: nothing to run in this build yet (see --help)")
    }
}
