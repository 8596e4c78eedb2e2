import Foundation

/// Where a run computed: CPU model, threads and host. Recorded in results.json, but not part of what
/// decides the results: a shard requeued onto another node resumes, and shards from different nodes
/// merge (the merged run keeps the first shard's environment).
public struct RunEnvironment: Codable, Equatable, Sendable {
    public var cpu: String
    public var logicalCPUs: Int
    public var threads: Int
    public var host: String

    public init(cpu: String, logicalCPUs: Int, threads: Int, host: String) {
        self.cpu = cpu
        self.logicalCPUs = logicalCPUs
        self.threads = threads
        self.host = host
    }

    /// This machine, computing with `threads` threads.
    public static func current(threads: Int) -> RunEnvironment {
        RunEnvironment(
            cpu: cpuModel(), logicalCPUs: ProcessInfo.processInfo.activeProcessorCount, threads: threads,
            host: ProcessInfo.processInfo.hostName)
    }

    /// The first "model name" of /proc/cpuinfo, or "unknown".
    public static func cpuModel(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> String {
        for line in (cpuinfo ?? "").split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }

    enum CodingKeys: String, CodingKey {
        case cpu, threads, host
        case logicalCPUs = "logical_cpus"
    }
}
