import ArgumentParser
import CommandSupport

@main
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon-quantize",
        abstract: "Quantize a model to int8 or int4 and report what it loses.",
        discussion: "This tool has no subcommands in this build yet; it only answers --help.")

    func run() throws {
        throw ToolFailure("megalodon-quantize: nothing to run in this build yet (see --help)")
    }
}
