import Foundation
import Provenance
import TestSupport
import Testing

@testable import Evaluation

/// Cluster scripts are checked by running them: the rendered shell under bash or sh with the
/// scheduler's index variable set, and a stand-in tool (echo) that prints the arguments it got.
@Suite struct ClusterJobTests {
    static func runShell(_ shell: String, script: String, environment: [String: String]) throws -> (status: Int32, output: String) {
        var variables: [String: String?] = ["PATH": "/usr/bin:/bin", "SLURM_RESTART_COUNT": nil]
        for (key, value) in environment { variables[key] = value }
        let outcome = try ExternalCommand.run(shell, ["-c", script], environment: variables)
        return (outcome.status, outcome.output)
    }

    @Test func evaluationShardsRunTheirOwnShardThenMerge() throws {
        let plan = try ClusterJobs.evaluationShards(
            runArguments: ["--model", "my model.gguf", "--tasks", "arc_easy", "--threads", "1"], shards: 4,
            output: "runs/x", tool: "/bin/echo", workingDirectory: "/tmp")
        let scripts = SlurmScripts(plan, options: SlurmOptions(partition: "cpu", timeLimit: "1:00:00", retries: 0))
        #expect(scripts.array.contains("#SBATCH --array=0-3"))
        #expect(scripts.array.contains("#SBATCH --requeue"))
        #expect(scripts.array.contains("#SBATCH --partition=cpu"))
        for index in [0, 3] {
            let run = try Self.runShell(
                "/bin/bash", script: scripts.array, environment: ["SLURM_ARRAY_TASK_ID": "\(index)", "SLURM_JOB_ID": "7"])
            #expect(run.status == 0)
            #expect(
                run.output.contains(
                    "run --model my model.gguf --tasks arc_easy --threads 1 --shard \(index)/4 --output runs/x/shard-\(index)\n"))
        }
        let merge = try #require(scripts.final)
        let run = try Self.runShell("/bin/bash", script: merge, environment: [:])
        #expect(run.output == "merge runs/x/shard-0 runs/x/shard-1 runs/x/shard-2 runs/x/shard-3 --output runs/x/merged\n")
    }

    @Test func aFailedTaskExitsWithItsStatusWhenNoRetryIsLeft() throws {
        let plan = try ArrayJobPlan(
            name: "t", count: 2, command: ["/bin/false"], finalCommand: nil, workingDirectory: "/tmp", jobDirectory: "jobs")
        let scripts = SlurmScripts(plan, options: SlurmOptions(retries: 1))
        // Attempt 1 of 1 retries used: no requeue (scontrol is never reached), the status is kept.
        let run = try Self.runShell(
            "/bin/bash", script: scripts.array,
            environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_JOB_ID": "9", "SLURM_RESTART_COUNT": "1"])
        #expect(run.status == 1)
        #expect(scripts.array.contains("scontrol requeue \"$SLURM_JOB_ID\""))
    }

    @Test func quantizeJobsTakeOneModelEach() throws {
        let plan = try ClusterJobs.quantizePerModel(
            inputs: ["models/a.gguf", "models/it's b"], arguments: ["--scheme", "q8_0"], output: "quant",
            suffix: ".gguf", tool: "/bin/echo", workingDirectory: "/tmp")
        let scripts = SlurmScripts(plan, options: SlurmOptions())
        #expect(scripts.final == nil)
        let first = try Self.runShell("/bin/bash", script: scripts.array, environment: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_JOB_ID": "1"])
        #expect(first.output.hasSuffix("models/a.gguf --output quant/a.gguf --scheme q8_0\n"))
        let second = try Self.runShell("/bin/bash", script: scripts.array, environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_JOB_ID": "1"])
        #expect(second.output.hasSuffix("models/it's b --output quant/it's b.gguf --scheme q8_0\n"))
        let outside = try Self.runShell("/bin/bash", script: scripts.array, environment: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_JOB_ID": "1"])
        #expect(outside.status == 2)
    }

    @Test func perplexityJobsTakeOneTextEachThenTabulate() throws {
        let plan = try ClusterJobs.perplexityPerText(
            arguments: ["--model", "m", "--text", "a.txt", "--text=b.txt", "--contexts", "64"],
            output: "ppl", tool: "/bin/echo", workingDirectory: "/tmp")
        #expect(plan.count == 2)
        let scripts = SlurmScripts(plan, options: SlurmOptions())
        let second = try Self.runShell("/bin/bash", script: scripts.array, environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_JOB_ID": "1"])
        #expect(second.output.hasSuffix("perplexity --model m --contexts 64 --text b.txt --output ppl/text-1\n"))
        #expect(
            plan.finalCommand == [
                "/bin/echo", "table", "ppl/text-0", "ppl/text-1", "--label", "corpus", "--output-prefix", "ppl/curves", "--force",
            ])
    }

    @Test func optionsSubmitSetsPerTaskAreRefused() {
        #expect(throws: ClusterPlanError.reservedArgument("--shard")) {
            try ClusterJobs.evaluationShards(runArguments: ["--shard", "0/2"], shards: 2, output: "o", tool: "t", workingDirectory: "/")
        }
        #expect(throws: ClusterPlanError.missingArgument("at least one --text file (one job per file)")) {
            try ClusterJobs.perplexityPerText(arguments: ["--model", "m"], output: "o", tool: "t", workingDirectory: "/")
        }
        #expect(ClusterJobs.withThreads(["--model", "m"], cpusPerTask: 2) == ["--model", "m", "--threads", "2"])
        #expect(ClusterJobs.withThreads(["--threads=4"], cpusPerTask: 2) == ["--threads=4"])
    }

    /// The documented example (docs/kubernetes-indexed-job.yaml) is exactly what the renderer writes
    /// for it, and its task script runs shard JOB_COMPLETION_INDEX.
    @Test func kubernetesManifestInDocsIsRendered() throws {
        let plan = try Self.documentedKubernetesPlan(tool: "megalodon-eval")
        let rendered = KubernetesIndexedJob.render(plan, options: Self.documentedKubernetesOptions)
        let documented = try String(
            contentsOf: SharedFiles.packageRoot.appendingPathComponent("docs/kubernetes-indexed-job.yaml"), encoding: .utf8)
        #expect(
            rendered == documented,
            "regenerate docs/kubernetes-indexed-job.yaml with `swift test --filter writeKubernetesExample` (MEGALODON_WRITE_DOCS=1)")
        #expect(rendered.contains("completionMode: Indexed"))
        #expect(rendered.contains("backoffLimitPerIndex: 2"))

        let runnable = KubernetesIndexedJob.render(
            try Self.documentedKubernetesPlan(tool: "echo"), options: Self.documentedKubernetesOptions)
        let script = Self.firstScript(in: runnable).replacingOccurrences(of: "exec ", with: "")
        let run = try Self.runShell("/bin/sh", script: script, environment: ["JOB_COMPLETION_INDEX": "2"])
        #expect(run.output.contains("--shard 2/4 --output runs/smollm2/shard-2\n"))
    }

    /// Rewrites the documented example; only when MEGALODON_WRITE_DOCS=1.
    @Test func writeKubernetesExample() throws {
        guard ProcessInfo.processInfo.environment["MEGALODON_WRITE_DOCS"] == "1" else { return }
        let text = KubernetesIndexedJob.render(
            try Self.documentedKubernetesPlan(tool: "megalodon-eval"), options: Self.documentedKubernetesOptions)
        try Data(text.utf8).write(to: SharedFiles.packageRoot.appendingPathComponent("docs/kubernetes-indexed-job.yaml"))
    }

    static func documentedKubernetesPlan(tool: String) throws -> ArrayJobPlan {
        try ClusterJobs.evaluationShards(
            runArguments: [
                "--model", "models/SmolLM2-135M-Instruct.Q4_1.gguf", "--tasks", "arc_easy,boolq", "--data-dir", "data",
                "--limit", "200", "--output-format", "lm-eval", "--threads", "1",
            ],
            shards: 4, output: "runs/smollm2", tool: tool, workingDirectory: "/work")
    }

    static let documentedKubernetesOptions = KubernetesOptions(
        image: "registry.example.org/megalodon-tools:0.2.0", volumeClaim: "megalodon-work",
        mountPath: "/work", cpusPerTask: 1, memory: "2Gi", parallelism: 4, retries: 2)

    /// The block under the first `- |` of a manifest, unindented.
    static func firstScript(in manifest: String) -> String {
        let lines = manifest.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasSuffix("- |") }) else { return "" }
        return lines[(start + 1)...].prefix { $0.hasPrefix("              ") }.map { String($0.dropFirst(14)) }.joined(separator: "\n")
    }
}
