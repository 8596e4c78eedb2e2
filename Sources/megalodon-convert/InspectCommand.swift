import ArgumentParser
import CommandSupport

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List a checkpoint's tensors (name, dtype, shape, bytes), metadata and totals.")

    @Argument(help: "A checkpoint file, or a directory holding one (single or sharded safetensors).")
    var path: String

    func run() throws {
        try reportingErrors {
            throw ToolFailure("\(path): inspect is not available in this build yet")
        }
    }
}
