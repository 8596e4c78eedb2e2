/// Who produced a result file and on what: the tool, its version and the commit it was built from,
/// the CPU, the threads and the kernels. Every results file's manifest carries one (Evaluation's `Manifest` in
/// results.json, Conversion's `QuantizationReport.Manifest` in a quantization report).
public struct ToolRun: Equatable, Sendable {
    public var tool: String
    public var toolVersion: String
    public var gitCommit: String
    public var environment: RunEnvironment

    public init(tool: String, toolVersion: String, gitCommit: String, environment: RunEnvironment) {
        (self.tool, self.toolVersion, self.gitCommit, self.environment) = (tool, toolVersion, gitCommit, environment)
    }

    /// `tool` of this build, running now on this machine with `threads` threads and `kernels` (see
    /// `RunEnvironment.kernels`).
    public static func current(tool: String, threads: Int, kernels: String?) -> ToolRun {
        ToolRun(
            tool: tool, toolVersion: BuildInfo.toolVersion, gitCommit: BuildInfo.gitCommit,
            environment: .current(threads: threads, kernels: kernels))
    }
}
