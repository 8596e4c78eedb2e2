import ArgumentParser
import Checkpoints
import CommandSupport
import Evaluation
import Foundation
import Models
import Provenance

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Score models on evaluation tasks; writes results.json and samples.jsonl.",
        usage: "megalodon-eval run [<options>] --model <dir|file> ... --tasks <names>\n         --data-dir <dir> --output <dir>",
        discussion:
            "Each task is defined by evals/<task>.json (prompt template, choices, stop strings, metrics as lm-eval 0.4.13 configures them) and reads its JSONL data from --data-dir. Multiple-choice items consume their shared context once and score every answer from a copy of the model state. Log-likelihood requests are left-truncated to --max-length tokens as lm-eval does; MEGALODON's memory does not grow with the context, so --no-truncate scores every item in full. results.json holds per task each metric with its standard error and the item count, plus a manifest (tool version, model hash, data file hashes, settings, the lm-eval version followed); samples.jsonl holds one line per item with the exact strings sent, every log-likelihood, the prediction and the metric values. Finished items are cached in the output folder, so a killed run restarted with the same arguments resumes where it stopped and writes identical results. Examples: megalodon-eval run --model ./mega200M --tasks arc_easy,arc_challenge,boolq --data-dir ../shared/data --output runs/mega200M --limit 100 ; megalodon-eval run --model A --model B --tasks triviaqa --num-fewshot 5 --data-dir data --output runs ; megalodon-eval run ... --shard 0/4 --output runs/part0 (then megalodon-eval merge runs/part0 runs/part1 runs/part2 runs/part3 --output runs/all)."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(
        help: ArgumentHelp("Comma-separated task names, e.g. arc_easy,arc_challenge,boolq,triviaqa,scrolls_quality.", valueName: "names"))
    var tasks: String

    @Option(
        help: ArgumentHelp(
            "Root of the JSONL data; each task's `data` path is relative to it (e.g. arc_easy/test.jsonl). A train.jsonl beside a task's data becomes its few-shot pool; otherwise examples are drawn from the eval split as the oracle does.",
            valueName: "dir"))
    var dataDir: String

    @Option(
        help: ArgumentHelp(
            "Folder of task definitions.",
            discussion:
                "Default: $MEGALODON_EVALS, else the definitions installed beside the tool (PREFIX/share/megalodon/evals, see scripts/install), else evals/ of the checkout the tool was built from, else ./evals.",
            valueName: "dir"))
    var evalsDir: String?

    @Option(help: "Few-shot examples per item (default: the task's own, 0 everywhere; ARC is often run 25-shot, TriviaQA 5-shot).")
    var numFewshot: Int?

    @Option(help: "Score only the first N documents of each task.")
    var limit: Int?

    @Option(
        help: ArgumentHelp(
            "Scoring protocol: lm-eval (0.4.13 task configs, evals/<task>.json) or llama (the LLaMA/MEGALODON papers' setting, evals/llama/<task>.json).",
            discussion:
                "llama: TriviaQA is prompted \"Answer these questions:\" then \"Q: ...\\nA: ...\" pairs (5-shot by default, the answer's value after each example question), decoded greedily up to the first line break, dot or comma and matched against every alias after SQuAD normalisation (lowercase, no punctuation, no articles, collapsed whitespace); BoolQ keeps lm-eval's prompt (LLaMA's is not published) and picks the answer maximising log P(answer | prompt) − log P(answer | \"Answer:\"); ARC is scored as lm-eval does, and acc_norm is the paper's column. results.json records the protocol card.",
            valueName: "name"))
    var `protocol` = ScoringProtocol.lmEval.rawValue

    @Option(help: "The model context for lm-eval's left truncation (its HF backend's max_length).")
    var maxLength = 4096

    @Flag(help: "Score every item in full, without left truncation (sensible for MEGALODON).")
    var noTruncate = false

    @Option(
        help: ArgumentHelp("Score only items i, i+n, i+2n, ... of each task; join the parts with `megalodon-eval merge`.", valueName: "i/n")
    )
    var shard: String?

    @Flag(
        help:
            "Skip malformed data lines (a bad JSON line, a missing field, an answer index out of range), counting and reporting them, instead of stopping at the first."
    )
    var skipBad = false

    @Option(help: ArgumentHelp("Output folder (one subfolder per model when several --model are given).", valueName: "dir"))
    var output: String

    @Flag(help: "Replace existing results in the output folder.")
    var force = false

    @Option(
        help: ArgumentHelp(
            "Documents whose log-likelihoods are computed together.",
            discussion:
                "For a Llama model, the contexts of this many documents are prefilled in one stacked call and then all their answers in another, so each weight matrix is read once for all rows instead of once per sequence; short multiple-choice items run several times faster. Results equal the unbatched run (--batch-size 1) up to float rounding of the log-likelihoods. MEGALODON models score one sequence at a time whatever this says. Recorded in the manifest.",
            valueName: "n"))
    var batchSize = 16

    @Option(
        help: ArgumentHelp(
            "native, or lm-eval to also write lm-evaluation-harness 0.4.13's files.",
            discussion:
                "lm-eval: results_<timestamp>.json (keys such as \"acc,none\" and \"acc_stderr,none\", configs, versions, n-shot, n-samples, git_hash) and samples_<task>_<timestamp>.jsonl beside results.json and samples.jsonl, readable by tools built around lm-eval's output. `merge` joins them too.",
            valueName: "format"))
    var outputFormat: OutputFormat = .native

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case native
        case lmEval = "lm-eval"
    }

    @OptionGroup var compute: ComputeOptions
    @OptionGroup var cache: KeyValueCacheOptions

    func validate() throws {
        guard ScoringProtocol(rawValue: `protocol`) != nil else {
            throw ValidationError(
                "--protocol \(`protocol`): expected one of \(ScoringProtocol.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let numFewshot, numFewshot < 0 { throw ValidationError("--num-fewshot must be 0 or more") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard maxLength >= 1 else { throw ValidationError("--max-length must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if let shard { do { _ = try Shard(parsing: shard) } catch { throw ValidationError("--shard: \(error)") } }
        guard !taskNames.isEmpty else { throw ValidationError("--tasks names no task") }
        if !force {
            for model in modelOptions.models {
                let results = modelOptions.outputDirectory(output, for: model).appendingPathComponent(RunOutput.resultsName)
                if FileManager.default.fileExists(atPath: results.path) {
                    throw ValidationError("\(results.path) exists; pass --force to replace it")
                }
            }
        }
    }

    var scoringProtocol: ScoringProtocol { ScoringProtocol(rawValue: `protocol`) ?? .lmEval }

    var taskNames: [String] { tasks.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

    func run() throws {
        try reportingErrors {
            compute.apply()
            var settings = EvaluationJob.Settings(taskNames: taskNames)
            (settings.numFewshot, settings.limit, settings.scoringProtocol) = (numFewshot, limit, scoringProtocol)
            (settings.maxLength, settings.skipBad, settings.batchSize) = (noTruncate ? nil : maxLength, skipBad, batchSize)
            settings.shard = try shard.map(Shard.init(parsing:))
            (settings.lmEvalFiles, settings.overwrite) = (outputFormat == .lmEval, force)
            (settings.tokenizerPath, settings.arithmetic) = (modelOptions.tokenizer, compute.arithmetic)
            settings.keyValueCache = cache.precision
            let job = try EvaluationJob(
                settings: settings, run: compute.run(tool: "megalodon-eval"),
                definitions: scoringProtocol.definitionsDirectory(in: ToolInstallation.evalsDirectory(explicit: evalsDir)),
                data: URL(fileURLWithPath: dataDir))
            for warning in job.skippedLineWarnings { printError("warning: \(warning)") }
            for model in modelOptions.models {
                let outcome = try job.evaluate(
                    model: model, into: modelOptions.outputDirectory(output, for: model),
                    meters: ProgressReporter.meters, notice: printError)
                if !outcome.lmEvalFiles.isEmpty {
                    print("lm-eval files: \(outcome.lmEvalFiles.map(\.lastPathComponent).joined(separator: ", "))")
                }
                print("\(URL(fileURLWithPath: model).lastPathComponent) → \(outcome.folder.path)")
                print(ResultsTable([outcome.results]).markdown(), terminator: "")
            }
        }
    }
}
