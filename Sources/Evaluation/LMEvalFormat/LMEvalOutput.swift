import Checkpoints
import Foundation

/// `--output-format lm-eval`: results_<timestamp>.json and samples_<task>_<timestamp>.jsonl in the
/// layout lm-evaluation-harness 0.4.13 writes (`EvaluationTracker.save_results_aggregated` /
/// `save_results_samples`), beside our own results.json (which merge, table and resume read).
/// Tools built around lm-eval's output (its file-name helpers, `make_table`, loading the files with
/// `datasets`) read them; scripts/oracles/eval_lm_eval_output.py checks that with lm-eval's code.
public enum LMEvalOutput {
    public struct Written: Equatable, Sendable {
        public var results: URL
        public var samples: [URL]
    }

    /// lm-eval's timestamp in file names: `datetime.now().isoformat()` with ':' replaced by '-'.
    public static func timestamp(_ date: Date, timeZone: TimeZone = .current) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd'T'HH-mm-ss.SSSSSS"
        return formatter.string(from: date)
    }

    /// Writes a finished run's files into `folder`.
    public static func write(
        _ results: RunResults, samples: [ItemResult], tasks: [LoadedTask], numFewshot: Int?, to folder: URL,
        started: Date, finished: Date, timeZone: TimeZone = .current
    ) throws -> Written {
        var infos: [String: LMEvalTaskInfo] = [:]
        var lines: [String: [JSONValue]] = [:]
        for task in tasks {
            let (documents, count) = try LMEvalSamples.documents(of: task)
            let info = LMEvalTaskInfo(task: task, numFewshot: numFewshot ?? task.definition.numFewshot, originalCount: count)
            infos[task.definition.name] = info
            lines[task.definition.name] = LMEvalSamples.lines(
                task: task, info: info, results: samples.filter { $0.task == task.definition.name },
                documents: documents)
        }
        return try write(
            results, infos: infos, sampleLines: lines, taskOrder: tasks.map(\.definition.name), to: folder,
            started: started, finished: finished, timeZone: timeZone)
    }

    static func write(
        _ results: RunResults, infos: [String: LMEvalTaskInfo], sampleLines: [String: [JSONValue]], taskOrder: [String],
        to folder: URL, started: Date, finished: Date, timeZone: TimeZone = .current
    ) throws -> Written {
        let stamp = timestamp(finished, timeZone: timeZone)
        let document = resultsDocument(
            results, infos: infos, sampleLines: sampleLines, taskOrder: taskOrder, started: started, finished: finished)
        let resultsURL = folder.appendingPathComponent("results_\(stamp).json")
        var sampleURLs: [URL] = []
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicOutput.writing(overwrite: false) { output in
            for task in taskOrder {
                let url = folder.appendingPathComponent("samples_\(task)_\(stamp).jsonl")
                let text = (sampleLines[task] ?? []).map { $0.serialized() + "\n" }.joined()
                try output.write(to: url.path) { try $0.write(Array(text.utf8)) }
                sampleURLs.append(url)
            }
            try output.write(to: resultsURL.path) { try $0.write(Array((document.serialized(.pythonIndented(2)) + "\n").utf8)) }
        }
        return Written(results: resultsURL, samples: sampleURLs)
    }

    static func reportedMetrics(_ task: String, _ results: RunResults, _ infos: [String: LMEvalTaskInfo]) -> [String] {
        let names = results.tasks[task]?.metrics.keys.sorted() ?? []
        return infos[task]?.reported(names) ?? names
    }

    static func number(_ value: Double) -> JSONValue { .number(JSONNumber(lexeme: PythonLiteral.float(value))) }
    static func integer(_ value: Int) -> JSONValue { .number(JSONNumber(lexeme: String(value))) }

    static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        var object = JSONObject()
        for (key, value) in members { object.append(key: key, value: value) }
        return .object(object)
    }

    /// The results dict: lm-eval's evaluator keys, then simple_evaluate's metadata.
    static func resultsDocument(
        _ results: RunResults, infos: [String: LMEvalTaskInfo], sampleLines: [String: [JSONValue]],
        taskOrder: [String], started: Date, finished: Date
    ) -> JSONValue {
        let manifest = results.manifest
        let sortedTasks = taskOrder.sorted()
        var perTask: [(String, JSONValue)] = []
        for name in taskOrder {
            guard let task = results.tasks[name] else { continue }
            let filter = infos[name]?.filter ?? "none"
            var members: [(String, JSONValue)] = [("name", .string(name)), ("alias", .string(name)), ("sample_len", integer(task.items))]
            for metric in reportedMetrics(name, results, infos) {
                guard let value = task.metrics[metric] else { continue }
                members.append(("\(metric),\(filter)", number(value.value)))
                members.append(("\(metric)_stderr,\(filter)", value.stderr.map(number) ?? .string("N/A")))
            }
            perTask.append((name, object(members)))
        }
        var taskHashes: [(String, JSONValue)] = []
        for name in taskOrder {
            let joined = (sampleLines[name] ?? []).map { line -> String in
                let fields = line.objectValue
                return ["doc_hash", "prompt_hash", "target_hash"].map { fields?[$0]?.stringValue ?? "" }.joined()
            }.joined()
            taskHashes.append((name, .string(SHA256.hex(Array(joined.utf8)))))
        }
        let settings = manifest.settings
        let limit: JSONValue = Int(settings["limit"] ?? "").map(integer) ?? .null
        let environment = manifest.environment
        let envText =
            environment.map {
                "megalodon-eval \(manifest.toolVersion); CPU: \($0.cpu) (\($0.logicalCPUs) logical CPUs); threads: \($0.threads); host: \($0.host)"
            }
            ?? "megalodon-eval \(manifest.toolVersion)"
        let modelName = manifest.model.path
        let sanitized = modelName.replacingOccurrences(of: #"[\"<>:/|\\?*\[\]]+"#, with: "__", options: .regularExpression)
        return object([
            ("results", object(perTask)),
            ("group_subtasks", object(sortedTasks.map { ($0, .array([])) })),
            ("configs", object(sortedTasks.compactMap { name in infos[name].map { (name, $0.config) } })),
            ("versions", object(sortedTasks.map { ($0, infos[$0]?.version ?? .null) })),
            ("n-shot", object(sortedTasks.map { ($0, integer(infos[$0]?.numFewshot ?? 0)) })),
            (
                "higher_is_better",
                object(
                    sortedTasks.map { name in
                        (name, object(reportedMetrics(name, results, infos).map { ($0, .bool(true)) }))
                    })
            ),
            (
                "n-samples",
                object(
                    taskOrder.map { name in
                        (
                            name,
                            object([
                                ("original", integer(infos[name]?.originalCount ?? 0)),
                                ("effective", integer(results.tasks[name]?.items ?? 0)),
                            ])
                        )
                    })
            ),
            (
                "config",
                object([
                    ("model", .string("megalodon-eval")),
                    ("model_args", .string("pretrained=\(modelName),sha256=\(manifest.model.sha256)")),
                    ("batch_size", .string(settings["batch_size"] ?? "1")),
                    ("batch_sizes", .array([])),
                    ("device", .string("cpu")),
                    ("use_cache", .null),
                    ("limit", limit),
                    // Means carry lm-eval's closed-form stderr; nothing is bootstrapped.
                    ("bootstrap_iters", integer(0)),
                    ("gen_kwargs", .null),
                    ("random_seed", integer(0)),
                    ("numpy_seed", integer(1234)),
                    ("torch_seed", integer(1234)),
                    ("fewshot_seed", integer(Int(settings["fewshot_seed"] ?? "") ?? 1234)),
                ])
            ),
            ("git_hash", .string(manifest.gitCommit)),
            ("date", number(started.timeIntervalSince1970)),
            ("pretty_env_info", .string(envText)),
            ("transformers_version", .string("none (megalodon-eval \(manifest.toolVersion), Swift)")),
            ("lm_eval_version", .string(manifest.lmEvalVersion)),
            ("upper_git_hash", .null),
            ("max_length", Int(settings["max_length"] ?? "").map(integer) ?? .null),
            ("task_hashes", object(taskHashes)),
            ("model_source", .string("megalodon-eval")),
            ("model_name", .string(modelName)),
            ("model_name_sanitized", .string(sanitized)),
            ("system_instruction", .null),
            ("system_instruction_sha", .null),
            ("fewshot_as_multiturn", .bool(false)),
            ("chat_template", .null),
            ("chat_template_sha", .null),
            ("total_evaluation_time_seconds", .string(PythonLiteral.float(finished.timeIntervalSince(started)))),
        ])
    }
}
