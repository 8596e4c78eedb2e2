import Foundation

/// Runs another program to completion and collects what it printed (git, sbatch, the tools in tests).
public enum ExternalCommand {
    public struct Outcome: Sendable {
        public var status: Int32
        public var output: String
        public var error: String
    }

    /// `executable` is a path, or a name looked up on the PATH through /usr/bin/env.
    /// `environment` entries are added to (or, with nil, removed from) this process's environment.
    public static func run(
        _ executable: String, _ arguments: [String], in directory: URL? = nil,
        environment: [String: String?] = [:]
    ) throws -> Outcome {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            var merged = ProcessInfo.processInfo.environment
            for (key, value) in environment { merged[key] = value }
            process.environment = merged
        }
        let (out, err) = (Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Both pipes are drained at once, so a chatty stderr cannot block the program.
        let errorData = Collected()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errorData.data = err.fileHandleForReading.readDataToEndOfFile() }
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData.data, as: UTF8.self))
    }

    /// Written by the reader thread, read after `group.wait()` (which orders the two).
    private final class Collected: @unchecked Sendable { var data = Data() }
}
