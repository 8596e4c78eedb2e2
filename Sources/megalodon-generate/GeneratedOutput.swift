import Foundation
import Tokenizers

/// Where generated tokens go: streamed as text (stopping at end-of-sequence) or printed as ids.
enum GeneratedOutput {
    case text(StreamingDetokenizer, endOfSequence: Int?)
    case ids(count: Int)

    /// Prints `token`; returns true when generation should stop (end of sequence).
    mutating func emit(_ token: Int) -> Bool {
        switch self {
        case .text(var detokenizer, let endOfSequence):
            if token == endOfSequence { return true }
            write(detokenizer.append(Int32(token)))
            self = .text(detokenizer, endOfSequence: endOfSequence)
        case let .ids(count):
            write((count > 0 ? "," : "") + String(token))
            self = .ids(count: count + 1)
        }
        return false
    }

    /// Flushes held-back text and ends the line.
    mutating func finish() {
        switch self {
        case .text(var detokenizer, let endOfSequence):
            write(detokenizer.finish() + "\n")
            self = .text(detokenizer, endOfSequence: endOfSequence)
        case .ids:
            write("\n")
        }
    }

    private func write(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
