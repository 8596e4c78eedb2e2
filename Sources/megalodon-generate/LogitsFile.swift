import Foundation
import Models

/// `--logits-out`: the prompt's logits as a safetensors file.
enum LogitsFile {
    static func write(_ logits: Logits, to path: String, replacing: Bool) throws {
        throw ToolFailureMissingWriter()
    }
}

struct ToolFailureMissingWriter: Error, CustomStringConvertible {
    var description: String { "--logits-out needs the safetensors writer, which this build does not have yet" }
}
