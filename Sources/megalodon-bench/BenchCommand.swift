import ArgumentParser
import CommandSupport

@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon-bench",
        abstract: "Measure the engines' speed against OpenBLAS and memory-bandwidth anchors.",
        discussion: "This tool has no subcommands in this build yet; it only answers --help.")

    func run() throws {
        throw ToolFailure("megalodon-bench: nothing to run in this build yet (see --help)")
    }
}
