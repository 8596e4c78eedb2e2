import ArgumentParser
import CommandSupport

@main
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon-convert",
        abstract: "Inspect and convert model checkpoints.",
        discussion: """
            Reads checkpoints lazily (memory-mapped where the format allows) and writes every output
            atomically: a temporary file in the target folder is renamed into place only when complete,
            and existing outputs are kept unless --force is given.

            Examples:
              megalodon-convert inspect model.safetensors
              megalodon-convert inspect path/to/model-dir      (sharded: reads model.safetensors.index.json)
              megalodon-convert convert consolidated-dir/ -o model/ --dtype bf16 --verify
            """,
        subcommands: [InspectCommand.self, ConvertSubcommand.self, InitCommand.self]
    )
}
