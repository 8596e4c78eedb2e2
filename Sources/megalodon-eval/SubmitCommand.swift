import ArgumentParser
import CommandSupport
import Evaluation
import Foundation
import Provenance

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Run an evaluation, perplexity curves or quantizations as a cluster job (Slurm job array or Kubernetes Indexed Job).",
        usage: "megalodon-eval submit [<options>] <job> --output <dir>\n         -- [<arguments> ...]",
        discussion: """
            JOB is what each task runs, with the tool's own arguments after `--`:
              run         `megalodon-eval run` split into --shards interleaved parts (--shard i/n, folder OUTPUT/shard-i), then `merge` into OUTPUT/merged: the results the single-process run writes.
              perplexity  `megalodon-eval perplexity` once per --text file (OUTPUT/text-i), then `table` of all curves (OUTPUT/curves.md, .csv, .svg).
              quantize    `megalodon-quantize` once per --input model, into OUTPUT/<model name><--output-suffix>.
            With --slurm (default) the scripts go to OUTPUT/jobs and are submitted with sbatch: a job array, one task per index ($SLURM_ARRAY_TASK_ID), and the final step with --dependency=afterok on it. A task that fails requeues itself (up to --retries times) and the tools resume from the items they finished. With --kubernetes the Indexed Job manifest ($JOB_COMPLETION_INDEX) is written to OUTPUT/jobs/<name>.yaml for kubectl. Relative paths are relative to the folder submit runs in, which becomes the jobs' working directory. Each task gets --threads equal to --cpus-per-task unless the arguments set it.
            Examples:
              megalodon-eval submit run --shards 4 --output runs/smol -- --model smol.gguf --tasks arc_easy,boolq --data-dir ../shared/data --limit 200
              megalodon-eval submit perplexity --output ppl/smol -- --model smol.gguf --text a.txt --text b.txt --contexts 256,512
              megalodon-eval submit quantize --input a.gguf --input b.gguf --output-suffix .gguf --output quant -- --scheme q8_0
            """)

    enum Job: String, ExpressibleByArgument, CaseIterable { case run, perplexity, quantize }
    enum Scheduler: String, EnumerableFlag { case slurm, kubernetes }

    @Argument(help: ArgumentHelp("run, perplexity or quantize.", valueName: "job"))
    var job: Job

    @Flag(help: "Where to run (default: slurm).")
    var scheduler: Scheduler = .slurm

    @Option(help: ArgumentHelp("Folder for the tasks' results, the scripts (OUTPUT/jobs) and logs.", valueName: "dir"))
    var output: String

    @Option(help: "run: number of shards (array tasks).")
    var shards: Int?

    @Option(
        name: .customLong("input"), help: ArgumentHelp("quantize: a model to quantize; repeat for one job per model.", valueName: "model"))
    var inputs: [String] = []

    @Option(
        help: ArgumentHelp(
            "quantize: appended to each output name (.gguf for GGUF schemes; empty for a model directory).", valueName: "suffix"))
    var outputSuffix = ""

    @Option(help: "CPUs per task (and the --threads each task computes with).")
    var cpusPerTask = 1

    @Option(help: "Times a failed task is retried (Slurm: it requeues itself; Kubernetes: backoffLimitPerIndex).")
    var retries = 2

    @Option(help: "Slurm partition.")
    var partition: String?

    @Option(help: ArgumentHelp("Slurm time limit per task, e.g. 2:00:00.", valueName: "time"))
    var time: String?

    @Option(help: ArgumentHelp("Memory per task (Slurm --mem, e.g. 4G; Kubernetes request, e.g. 4Gi).", valueName: "size"))
    var memory: String?

    @Option(name: .customLong("sbatch-option"), help: ArgumentHelp("Extra #SBATCH option, verbatim (repeatable).", valueName: "option"))
    var sbatchOptions: [String] = []

    @Option(help: "Kubernetes: container image with the tools on its PATH.")
    var image = "megalodon-tools:latest"

    @Option(help: "Kubernetes: PersistentVolumeClaim with models, data and results.")
    var volumeClaim = "megalodon-work"

    @Option(help: "Kubernetes: where the claim is mounted (use it as the working directory).")
    var mountPath = "/work"

    @Flag(help: "Write the scripts or manifest and print how to submit them, without submitting.")
    var dryRun = false

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The tool's own arguments, after --.", valueName: "arguments"))
    var arguments: [String] = []

    func validate() throws {
        guard cpusPerTask >= 1 else { throw ValidationError("--cpus-per-task must be at least 1") }
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
        if job == .run { guard let shards, shards >= 1 else { throw ValidationError("submit run needs --shards N (N >= 1)") } }
        if job == .quantize, inputs.isEmpty { throw ValidationError("submit quantize needs at least one --input model") }
    }

    func run() throws {
        try reportingErrors {
            let plan = try makePlan()
            switch scheduler {
            case .slurm:
                let options = SlurmOptions(
                    partition: partition, timeLimit: time, cpusPerTask: cpusPerTask, memory: memory,
                    retries: retries, extra: sbatchOptions)
                let submitted = try SlurmSubmission.submit(plan, options: options, dryRun: dryRun)
                if let arrayJob = submitted.arrayJob {
                    print("submitted \(plan.name): array job \(arrayJob) (\(plan.count) task(s)), script \(submitted.arrayScript)")
                    if let finalJob = submitted.finalJob {
                        print("final step: job \(finalJob), after every task succeeded, script \(submitted.finalScript ?? "")")
                    }
                } else {
                    print("dry run; submit with:\n  jobid=$(sbatch --parsable \(submitted.arrayScript))")
                    if let final = submitted.finalScript { print("  sbatch --dependency=afterok:$jobid \(final)") }
                }
            case .kubernetes:
                let options = KubernetesOptions(
                    image: image, volumeClaim: volumeClaim, mountPath: mountPath, cpusPerTask: cpusPerTask,
                    memory: memory ?? "2Gi", parallelism: plan.count, retries: retries)
                let url = try KubernetesIndexedJob.write(plan, options: options)
                print("wrote \(url.path); apply it with kubectl (see its first lines)")
            }
        }
    }

    private func makePlan() throws -> ArrayJobPlan {
        let here = FileManager.default.currentDirectoryPath
        let tools = scheduler == .kubernetes ? nil : ToolInstallation.executableDirectory
        func tool(_ name: String) -> String { tools?.appendingPathComponent(name).path ?? name }
        let withThreads = ClusterJobs.withThreads(arguments, cpusPerTask: cpusPerTask)
        switch job {
        case .run:
            return try ClusterJobs.evaluationShards(
                runArguments: withThreads, shards: shards ?? 1, output: output, tool: tool("megalodon-eval"),
                workingDirectory: scheduler == .kubernetes ? mountPath : here)
        case .perplexity:
            return try ClusterJobs.perplexityPerText(
                arguments: withThreads, output: output, tool: tool("megalodon-eval"),
                workingDirectory: scheduler == .kubernetes ? mountPath : here)
        case .quantize:
            return try ClusterJobs.quantizePerModel(
                inputs: inputs, arguments: withThreads, output: output, suffix: outputSuffix,
                tool: tool("megalodon-quantize"), workingDirectory: scheduler == .kubernetes ? mountPath : here)
        }
    }
}
