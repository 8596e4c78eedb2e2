import ArgumentParser
import CommandSupport

@main
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon-generate",
        abstract: "Generate text or score a prompt with a model directory.",
        discussion: "This tool has no subcommands in this build yet; it only answers --help.")

    func run() throws {
        throw ToolFailure("megalodon-generate: nothing to run in this build yet (see --help)")
    }
}
