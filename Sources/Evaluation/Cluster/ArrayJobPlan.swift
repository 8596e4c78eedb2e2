import Foundation

/// A batch of independent tasks, one per array index, plus an optional step that runs when all of
/// them succeeded: the shape of every cluster job here (evaluation shards then merge, one
/// perplexity curve per text then a table, one quantization per model). Schedulers render it:
/// `SlurmScripts` (job array + dependent job), `KubernetesIndexedJob` (Indexed Job + Job).
///
/// Arguments are words; inside a word `{index}` is the task's index, `{count}` the number of tasks
/// and `{NAME}` a per-index value from `values` (e.g. `{input}` for the model of that index).
public struct ArrayJobPlan: Equatable, Sendable {
    public var name: String
    public var count: Int
    /// Per-index values, by name; each list has `count` entries.
    public var values: [String: [String]]
    /// The program and its arguments each task runs.
    public var command: [String]
    /// Runs once, after every task succeeded; nil when there is nothing to join.
    public var finalCommand: [String]?
    /// Where tasks start (relative paths in the commands are relative to it).
    public var workingDirectory: String
    /// Where scripts and logs go.
    public var jobDirectory: String

    public init(
        name: String, count: Int, values: [String: [String]] = [:], command: [String], finalCommand: [String]?,
        workingDirectory: String, jobDirectory: String
    ) throws {
        guard count >= 1 else { throw ClusterPlanError.noTasks }
        for (key, list) in values where list.count != count {
            throw ClusterPlanError.valueCount(name: key, expected: count, found: list.count)
        }
        self.name = name
        self.count = count
        self.values = values
        self.command = command
        self.finalCommand = finalCommand
        self.workingDirectory = workingDirectory
        self.jobDirectory = jobDirectory
    }
}

extension ArrayJobPlan {
    /// A path of the plan as the tasks see it: relative paths are relative to the working directory.
    public func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: workingDirectory).appendingPathComponent(path).standardizedFileURL.path
    }
}

public enum ClusterPlanError: Error, Equatable, CustomStringConvertible {
    case noTasks
    case valueCount(name: String, expected: Int, found: Int)
    case missingArgument(String)
    case reservedArgument(String)

    public var description: String {
        switch self {
        case .noTasks: return "the job has no tasks"
        case let .valueCount(name, expected, found): return "\(found) values of \(name) for \(expected) tasks"
        case let .missingArgument(what): return "the command needs \(what)"
        case let .reservedArgument(option): return "\(option) is set per task by submit; leave it out of the command"
        }
    }
}

/// Quoting for POSIX shells, with the plan's placeholders turned into variables.
enum ShellWords {
    /// One word: literal text single-quoted; `{index}` becomes "$index", `{count}` the number,
    /// `{NAME}` "$NAME" (set per index by the script).
    static func word(_ text: String, count: Int, variables: Set<String>) -> String {
        var pieces: [String] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let key = String(rest[rest.index(after: open)..<close])
            let replacement: String?
            if key == "index" {
                replacement = "\"$index\""
            } else if key == "count" {
                replacement = String(count)
            } else if variables.contains(key) {
                replacement = "\"$\(key)\""
            } else {
                replacement = nil
            }
            if let replacement {
                literal += rest[..<open]
                if !literal.isEmpty { pieces.append(quote(literal)) }
                literal = ""
                pieces.append(replacement)
            } else {
                literal += rest[...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty || pieces.isEmpty { pieces.append(quote(literal)) }
        return pieces.joined()
    }

    static func line(_ words: [String], count: Int, variables: Set<String>) -> String {
        words.map { word($0, count: count, variables: variables) }.joined(separator: " ")
    }

    /// 'text' with every ' written as '\''; plain words stay bare for readability.
    static func quote(_ text: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./,:=+@%")
        if !text.isEmpty, text.unicodeScalars.allSatisfy(plain.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `case "$index" in 0) input='a' ;; ... esac`, setting each per-index value.
    static func valueSelection(_ values: [String: [String]], count: Int) -> [String] {
        guard !values.isEmpty else { return [] }
        var lines = ["case \"$index\" in"]
        for index in 0..<count {
            let assignments = values.keys.sorted().map { "\($0)=\(quote(values[$0]![index]))" }.joined(separator: "; ")
            lines.append("  \(index)) \(assignments) ;;")
        }
        lines.append("  *) echo \"no task $index (0..\(count - 1))\" >&2; exit 2 ;;")
        lines.append("esac")
        return lines
    }
}
