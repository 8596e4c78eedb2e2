import Foundation
import Provenance

/// Resources and policy of the Slurm jobs a plan becomes.
public struct SlurmOptions: Equatable, Sendable {
    public var partition: String?
    public var timeLimit: String?
    public var cpusPerTask: Int
    public var memory: String?
    /// How many times a failed task requeues itself before it counts as failed.
    public var retries: Int
    /// Further `#SBATCH` options, verbatim (e.g. "--account=lab").
    public var extra: [String]

    public init(
        partition: String? = nil, timeLimit: String? = nil, cpusPerTask: Int = 1, memory: String? = nil,
        retries: Int = 2, extra: [String] = []
    ) {
        self.partition = partition
        self.timeLimit = timeLimit
        self.cpusPerTask = cpusPerTask
        self.memory = memory
        self.retries = retries
        self.extra = extra
    }
}

/// A plan as two sbatch scripts: a job array (task i = `$SLURM_ARRAY_TASK_ID`) and the final step,
/// submitted with `--dependency=afterok:<array job>` so it starts only when every task succeeded.
///
/// A task that fails calls `scontrol requeue` on itself until `retries` is used up (Slurm does not
/// requeue a job for a non-zero exit by itself); the requeued task runs the same command and the
/// tools resume from their own finished items. Requeued tasks count as pending, not failed, so the
/// dependency waits for them.
public struct SlurmScripts: Equatable, Sendable {
    public var array: String
    public var final: String?

    public init(_ plan: ArrayJobPlan, options: SlurmOptions) {
        let logs = plan.absolute(plan.jobDirectory) + "/logs"
        let variables = Set(plan.values.keys)
        var header = [
            "#!/usr/bin/env bash",
            "# Written by megalodon-eval submit: \(plan.count) task(s) of \(plan.name), one per array index.",
            "#SBATCH --job-name=\(plan.name)",
            "#SBATCH --array=0-\(plan.count - 1)",
            "#SBATCH --chdir=\(plan.workingDirectory)",
            "#SBATCH --output=\(logs)/%x-%A_%a.out",
            "#SBATCH --requeue",
            "#SBATCH --open-mode=append",
            "#SBATCH --cpus-per-task=\(options.cpusPerTask)",
        ]
        header += Self.resourceLines(options)
        var body = [
            "set -uo pipefail",
            "index=$SLURM_ARRAY_TASK_ID",
            "attempt=${SLURM_RESTART_COUNT:-0}",
        ]
        body += ShellWords.valueSelection(plan.values, count: plan.count)
        body += [
            "echo \"== task $index of \(plan.count), attempt $attempt, job $SLURM_JOB_ID on $(hostname), $(date -u +%FT%TZ)\"",
            ShellWords.line(plan.command, count: plan.count, variables: variables),
            "status=$?",
            "if [ \"$status\" -ne 0 ] && [ \"$attempt\" -lt \(options.retries) ]; then",
            "  echo \"== task $index failed (status $status); requeueing it (retry $((attempt + 1)) of \(options.retries))\" >&2",
            "  scontrol requeue \"$SLURM_JOB_ID\"",
            "fi",
            "exit \"$status\"",
        ]
        array = (header + body).joined(separator: "\n") + "\n"
        final = plan.finalCommand.map { command in
            var lines = [
                "#!/usr/bin/env bash",
                "# Written by megalodon-eval submit: runs after every task of \(plan.name) succeeded.",
                "#SBATCH --job-name=\(plan.name)-final",
                "#SBATCH --chdir=\(plan.workingDirectory)",
                "#SBATCH --output=\(logs)/%x-%j.out",
                "#SBATCH --cpus-per-task=1",
            ]
            lines += Self.resourceLines(options)
            lines += ["set -euo pipefail", ShellWords.line(command, count: plan.count, variables: [])]
            return lines.joined(separator: "\n") + "\n"
        }
    }

    static func resourceLines(_ options: SlurmOptions) -> [String] {
        var lines: [String] = []
        if let partition = options.partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time = options.timeLimit { lines.append("#SBATCH --time=\(time)") }
        if let memory = options.memory { lines.append("#SBATCH --mem=\(memory)") }
        lines += options.extra.map { "#SBATCH \($0)" }
        return lines
    }
}

public enum SlurmSubmissionError: Error, CustomStringConvertible {
    case sbatchFailed(script: String, status: Int32, message: String)

    public var description: String {
        switch self {
        case let .sbatchFailed(script, status, message): return "sbatch \(script) failed (status \(status)): \(message)"
        }
    }
}

/// Writes a plan's scripts into its job folder and submits them with sbatch.
public enum SlurmSubmission {
    public struct Submitted: Equatable, Sendable {
        public var arrayScript: String
        public var finalScript: String?
        /// nil on a dry run.
        public var arrayJob: String?
        public var finalJob: String?
    }

    public static func submit(_ plan: ArrayJobPlan, options: SlurmOptions, dryRun: Bool) throws -> Submitted {
        let scripts = SlurmScripts(plan, options: options)
        let folder = URL(fileURLWithPath: plan.absolute(plan.jobDirectory))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("logs"), withIntermediateDirectories: true)
        let arrayURL = folder.appendingPathComponent("\(plan.name).sbatch")
        try Data(scripts.array.utf8).write(to: arrayURL, options: .atomic)
        var submitted = Submitted(arrayScript: arrayURL.path, finalScript: nil, arrayJob: nil, finalJob: nil)
        var finalURL: URL?
        if let final = scripts.final {
            let url = folder.appendingPathComponent("\(plan.name)-final.sbatch")
            try Data(final.utf8).write(to: url, options: .atomic)
            submitted.finalScript = url.path
            finalURL = url
        }
        guard !dryRun else { return submitted }
        let arrayJob = try sbatch([arrayURL.path])
        submitted.arrayJob = arrayJob
        if let finalURL {
            submitted.finalJob = try sbatch(["--dependency=afterok:\(arrayJob)", "--kill-on-invalid-dep=yes", finalURL.path])
        }
        return submitted
    }

    /// Runs `sbatch --parsable ARGS` and returns the job id it prints.
    static func sbatch(_ arguments: [String]) throws -> String {
        let outcome = try ExternalCommand.run("sbatch", ["--parsable"] + arguments)
        let text = outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard outcome.status == 0, !text.isEmpty else {
            throw SlurmSubmissionError.sbatchFailed(
                script: arguments.last ?? "", status: outcome.status,
                message: outcome.error.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        // --parsable prints "jobid" or "jobid;cluster".
        return String(text.split(separator: ";")[0])
    }
}
