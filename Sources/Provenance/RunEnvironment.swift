import Foundation

/// Where a run computed: CPU model, threads, host and the kernels chosen for that CPU. Recorded in
/// results.json, but not part of what decides the results: a shard requeued onto another node resumes,
/// and shards from different nodes merge (the merged run keeps the first shard's environment). The
/// kernels can move scores slightly (integer arithmetic rounds activations, and variants sum in
/// different orders), so a table reproduced elsewhere should compare them first.
public struct RunEnvironment: Codable, Equatable, Sendable {
    public var cpu: String
    public var logicalCPUs: Int
    public var threads: Int
    public var host: String
    /// The quantized kernel variant and OpenBLAS core the run used (absent in files of older builds).
    public var kernels: String?

    public init(cpu: String, logicalCPUs: Int, threads: Int, host: String, kernels: String? = nil) {
        self.cpu = cpu
        self.logicalCPUs = logicalCPUs
        self.threads = threads
        self.host = host
        self.kernels = kernels
    }

    /// This machine, computing with `threads` threads and `kernels`.
    public static func current(threads: Int, kernels: String?) -> RunEnvironment {
        RunEnvironment(
            cpu: cpuModel(), logicalCPUs: ProcessInfo.processInfo.activeProcessorCount, threads: threads,
            host: ProcessInfo.processInfo.hostName, kernels: kernels)
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
        case cpu, threads, host, kernels
        case logicalCPUs = "logical_cpus"
    }
}
