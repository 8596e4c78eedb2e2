import Checkpoints
import Foundation
import Provenance
import TestSupport
import Testing

@testable import Evaluation

/// `scripts/install PREFIX` then the installed megalodon-eval, started in an empty temporary folder
/// as a cluster job would be, finds its task definitions and stamps its commit and machine.
@Suite struct InstalledToolTests {
    static let smolLM2 = SharedFiles.cachedModel("SmolLM2-135M-Instruct.Q4_1.gguf")

    /// The folder the test bundle was built into, which holds the tools of the same build.
    static var buildProducts: URL { URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent() }

    static func run(
        _ executable: String, _ arguments: [String], in directory: URL, environment: [String: String?] = [:]
    ) throws
        -> ExternalCommand.Outcome
    {
        try ExternalCommand.run(
            executable, arguments, in: directory, environment: environment.merging(["MEGALODON_EVALS": nil]) { a, _ in a })
    }

    @Test func installedToolRunsFromAnyFolder() throws {
        #expect(FileManager.default.fileExists(atPath: Self.smolLM2), "SmolLM2 GGUF missing at \(Self.smolLM2): run scripts/fetch-models")
        guard FileManager.default.fileExists(atPath: Self.smolLM2) else { return }
        let root = SharedFiles.packageRoot
        let prefix = try SharedFiles.temporaryDirectory("megalodon-prefix")
        let elsewhere = try SharedFiles.temporaryDirectory("megalodon-cwd")
        defer { for url in [prefix, elsewhere] { try? FileManager.default.removeItem(at: url) } }

        let install = try Self.run(
            "/bin/bash", [root.appendingPathComponent("scripts/install").path, prefix.path], in: root,
            environment: ["MEGALODON_BIN_DIR": Self.buildProducts.path])
        #expect(install.status == 0, "scripts/install failed: \(install.error)")
        let tool = prefix.appendingPathComponent("bin/megalodon-eval").path
        #expect(FileManager.default.isExecutableFile(atPath: tool))
        #expect(FileManager.default.fileExists(atPath: prefix.appendingPathComponent("share/megalodon/evals/arc_easy.json").path))

        // The data folder is given by absolute path; the definitions are not given at all.
        let run = try Self.run(
            tool,
            [
                "run", "--model", Self.smolLM2, "--tasks", "arc_easy", "--data-dir", root.appendingPathComponent("evals/demo").path,
                "--limit", "2", "--output", "out", "--threads", "1",
            ], in: elsewhere)
        #expect(run.status == 0, "installed megalodon-eval failed in \(elsewhere.path): \(run.error)")
        let results = try RunResults.load(from: elsewhere.appendingPathComponent("out/results.json"))
        #expect(results.tasks["arc_easy"]?.items == 2)

        let head = try Self.run("/usr/bin/env", ["git", "rev-parse", "HEAD"], in: root).output.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(head.count == 40)
        #expect(results.manifest.gitCommit.hasPrefix(head), "git_commit \(results.manifest.gitCommit), checkout at \(head)")
        #expect(results.manifest.toolVersion == BuildInfo.toolVersion)
        let environment = try #require(results.manifest.environment)
        #expect(environment.threads == 1)
        #expect(environment.cpu != "unknown" && !environment.cpu.isEmpty)
        #expect(
            environment.kernels?.hasPrefix("quantized ") == true && environment.kernels?.contains(", OpenBLAS ") == true, "\(environment)")

        // A name that is no task lists the known ones (the installed definitions were found).
        let unknown = try Self.run(
            tool, ["run", "--model", Self.smolLM2, "--tasks", "no_such_task", "--data-dir", ".", "--output", "o2"], in: elsewhere)
        #expect(unknown.status != 0)
        #expect(unknown.error.contains("known: arc_challenge, arc_easy, boolq"), "\(unknown.error)")
    }

    @Test func definitionsAreLookedUpInOrder() {
        let here = URL(fileURLWithPath: "/tmp/somewhere")
        #expect(ToolInstallation.evalsCandidates(explicit: "defs", workingDirectory: here).map(\.path) == ["/tmp/somewhere/defs"])
        let candidates = ToolInstallation.evalsCandidates(
            explicit: nil, environment: ["MEGALODON_EVALS": "/opt/evals"], workingDirectory: here)
        #expect(candidates.first?.path == "/opt/evals")
        #expect(candidates.last?.path == "/tmp/somewhere/evals")
        #expect(candidates.contains(SharedFiles.packageRoot.appendingPathComponent("evals")))
    }
}
