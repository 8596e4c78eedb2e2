import Checkpoints
import Foundation

/// samples_<task>_<timestamp>.jsonl lines in lm-eval 0.4.13's layout (its evaluator's logged
/// samples after `EvaluationTracker.save_results_samples`): doc_id, doc, target, arguments
/// (`gen_args_i` → `arg_0` context, `arg_1` continuation or generation kwargs), resps and
/// filtered_resps as strings, filter, metrics, the three hashes, then each metric's value.
///
/// `doc` is the data line as read (keys in file order); the hashes are lm-eval's: sha256 of
/// `json.dumps(doc, indent=2, ensure_ascii=False)`, of the first request's context and of `str(target)`.
public enum LMEvalSamples {
    public static func lines(task: LoadedTask, info: LMEvalTaskInfo, results: [ItemResult], documents: [Int: JSONValue]) -> [JSONValue] {
        let items = Dictionary(task.items.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        return results.map { result in
            line(result, item: items[result.docIndex], info: info, document: documents[result.docIndex])
        }
    }

    static func line(_ result: ItemResult, item: EvaluationItem?, info: LMEvalTaskInfo, document: JSONValue?) -> JSONValue {
        var line = JSONObject()
        func add(_ key: String, _ value: JSONValue) { line.append(key: key, value: value) }
        let target: String
        var arguments = JSONObject()
        var resps: [JSONValue] = [], filtered: [JSONValue] = []
        switch item?.work {
        case let .generation(request, references)?:
            target = PythonLiteral.list(references)
            var call = JSONObject()
            call.append(key: "arg_0", value: .string(request.context))
            var kwargs = JSONObject()
            kwargs.append(key: "until", value: .array(request.until.map(JSONValue.string)))
            kwargs.append(key: "do_sample", value: .bool(false))
            kwargs.append(key: "temperature", value: .number(JSONNumber(lexeme: "0.0")))
            kwargs.append(key: "max_gen_toks", value: .number(JSONNumber(lexeme: String(request.maxGenerationTokens))))
            call.append(key: "arg_1", value: .object(kwargs))
            arguments.append(key: "gen_args_0", value: .object(call))
            let generation = result.requests.first?.generation ?? ""
            resps = [.array([.string(generation)])]
            filtered = [.string(result.prediction)]
        default:
            switch item?.work {
            case let .multipleChoice(_, _, gold)?, let .calibratedChoice(_, _, _, gold)?: target = String(gold)
            case let .yesNo(_, references)?: target = PythonLiteral.list(references)
            default: target = result.target ?? ""
            }
            for (index, request) in result.requests.enumerated() {
                var call = JSONObject()
                call.append(key: "arg_0", value: .string(request.context))
                call.append(key: "arg_1", value: .string(request.continuation ?? ""))
                arguments.append(key: "gen_args_\(index)", value: .object(call))
                let pair: JSONValue = .array([
                    .string(PythonLiteral.float(request.logLikelihood ?? .nan)),
                    .string(PythonLiteral.bool(request.isGreedy ?? false)),
                ])
                resps.append(.array([pair]))
                filtered.append(pair)
            }
        }
        let documentText = document?.serialized(.pythonIndentedUnicode(2)) ?? "{}"
        add("doc_id", .number(JSONNumber(lexeme: String(result.docIndex))))
        add("doc", document ?? .object(JSONObject()))
        add("target", .string(target))
        add("arguments", .object(arguments))
        add("resps", .array(resps))
        add("filtered_resps", .array(filtered))
        add("filter", .string(info.filter))
        let metricNames = info.reported(result.metrics.keys.sorted())
        add("metrics", .array(metricNames.map(JSONValue.string)))
        add("doc_hash", .string(SHA256.hex(Array(documentText.utf8))))
        add("prompt_hash", .string(SHA256.hex(Array((result.requests.first?.context ?? "").utf8))))
        add("target_hash", .string(SHA256.hex(Array(target.utf8))))
        for name in metricNames { add(name, .number(JSONNumber(lexeme: PythonLiteral.float(result.metrics[name] ?? .nan)))) }
        return .object(line)
    }

    /// The data lines of a task's eval file that became its documents, by document index (lines
    /// skipped as bad are left out, as the loader leaves them out), and how many there are.
    public static func documents(of task: LoadedTask) throws -> (documents: [Int: JSONValue], count: Int) {
        guard let url = task.dataFiles.first else { return ([:], task.items.count) }
        let skippedLines = Set(task.skipped.filter { $0.file == url.path || $0.file == url.lastPathComponent }.map(\.line))
        let data = try Data(contentsOf: url)
        var documents: [Int: JSONValue] = [:]
        var index = 0
        // The same line rule as DataFile: byte lines, blank ones (spaces, tabs, CR) skipped.
        for (number, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }), !skippedLines.contains(number + 1),
                let value = try? JSONParser.parse(String(decoding: line, as: UTF8.self))
            else { continue }
            documents[index] = value
            index += 1
        }
        if task.definition.suite == "scrolls" {
            // SCROLLS rows are grouped by id into documents: only the count and ids are kept.
            let ids = Set(documents.values.compactMap { $0.objectValue?["id"]?.stringValue })
            return ([:], ids.count)
        }
        return (documents, index)
    }
}
