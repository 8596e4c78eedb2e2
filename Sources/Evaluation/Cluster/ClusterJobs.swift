import Foundation

/// The cluster jobs `megalodon-eval submit` plans from a tool's own arguments.
public enum ClusterJobs {
    /// `run` split into `shards` interleaved parts (`--shard i/n`), each writing
    /// `<output>/shard-i`, then `merge` into `<output>/merged`. The resume cache in each shard's
    /// folder lets a requeued shard skip its finished items.
    public static func evaluationShards(
        runArguments: [String], shards: Int, output: String, tool: String,
        workingDirectory: String, extraMergeArguments: [String] = []
    ) throws -> ArrayJobPlan {
        try refuse(["--shard", "--output"], in: runArguments)
        let shardFolder = (output as NSString).appendingPathComponent("shard-{index}")
        let mergeInputs = (0..<shards).map { (output as NSString).appendingPathComponent("shard-\($0)") }
        return try ArrayJobPlan(
            name: "megalodon-eval-run", count: shards,
            command: [tool, "run"] + runArguments + ["--shard", "{index}/{count}", "--output", shardFolder],
            finalCommand: [tool, "merge"] + mergeInputs + ["--output", (output as NSString).appendingPathComponent("merged")]
                + extraMergeArguments,
            workingDirectory: workingDirectory, jobDirectory: (output as NSString).appendingPathComponent("jobs"))
    }

    /// `perplexity` once per `--text` file (a curve per document, `<output>/text-i`), then `table`
    /// of all curves into `<output>/curves.{md,csv,svg}`.
    public static func perplexityPerText(arguments: [String], output: String, tool: String, workingDirectory: String) throws -> ArrayJobPlan
    {
        try refuse(["--output"], in: arguments)
        var texts: [String] = [], rest: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word == "--text", index + 1 < arguments.count {
                texts.append(arguments[index + 1]); index += 2; continue
            }
            if word.hasPrefix("--text=") { texts.append(String(word.dropFirst("--text=".count))) } else { rest.append(word) }
            index += 1
        }
        guard !texts.isEmpty else { throw ClusterPlanError.missingArgument("at least one --text file (one job per file)") }
        let folders = texts.indices.map { (output as NSString).appendingPathComponent("text-\($0)") }
        return try ArrayJobPlan(
            name: "megalodon-eval-perplexity", count: texts.count, values: ["text": texts],
            command: [tool, "perplexity"] + rest + [
                "--text", "{text}", "--output", (output as NSString).appendingPathComponent("text-{index}"),
            ],
            finalCommand: [tool, "table"] + folders + [
                "--label", "corpus", "--output-prefix", (output as NSString).appendingPathComponent("curves"), "--force",
            ],
            workingDirectory: workingDirectory, jobDirectory: (output as NSString).appendingPathComponent("jobs"))
    }

    /// `megalodon-quantize` once per input model, into `<output>/<input name><suffix>`
    /// (suffix ".gguf" for a GGUF, empty for a model directory). No final step.
    public static func quantizePerModel(
        inputs: [String], arguments: [String], output: String, suffix: String, tool: String,
        workingDirectory: String
    ) throws -> ArrayJobPlan {
        try refuse(["--output", "-o"], in: arguments)
        guard !inputs.isEmpty else { throw ClusterPlanError.missingArgument("at least one --input model (one job per model)") }
        let outputs = inputs.map { input -> String in
            var name = URL(fileURLWithPath: input).lastPathComponent
            if name.hasSuffix(".gguf") { name = String(name.dropLast(5)) }
            return (output as NSString).appendingPathComponent(name + suffix)
        }
        return try ArrayJobPlan(
            name: "megalodon-quantize", count: inputs.count, values: ["input": inputs, "target": outputs],
            command: [tool, "{input}", "--output", "{target}"] + arguments, finalCommand: nil,
            workingDirectory: workingDirectory, jobDirectory: (output as NSString).appendingPathComponent("jobs"))
    }

    /// `--threads N` appended when the command does not choose its threads, so a task uses the CPUs
    /// it was given instead of every core of the node.
    public static func withThreads(_ arguments: [String], cpusPerTask: Int) -> [String] {
        arguments.contains(where: { $0 == "--threads" || $0.hasPrefix("--threads=") })
            ? arguments : arguments + ["--threads", String(cpusPerTask)]
    }

    static func refuse(_ options: [String], in arguments: [String]) throws {
        for option in options where arguments.contains(where: { $0 == option || $0.hasPrefix(option + "=") }) {
            throw ClusterPlanError.reservedArgument(option)
        }
    }
}
