import Checkpoints
import Foundation

extension LMEvalOutput {
    /// The newest results_<timestamp>.json in a folder, if any (lm-eval's `get_latest_filename` rule:
    /// the largest timestamp).
    public static func latestResults(in folder: URL) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasPrefix("results_") && $0.hasSuffix(".json") }.max { stampOf($0) < stampOf($1) }
            .map { folder.appendingPathComponent($0) }
    }

    static func stampOf(_ name: String) -> String {
        let stem = name.hasSuffix(".jsonl") ? String(name.dropLast(6)) : name.hasSuffix(".json") ? String(name.dropLast(5)) : name
        return stem.split(separator: "_").last.map(String.init) ?? ""
    }

    /// Joins the lm-eval files of `--shard` runs (each shard's newest) into the files of the merged
    /// run: sample lines of every shard in document order, results rebuilt from the merged metrics.
    public static func merge(shards: [URL], merged: RunResults, into folder: URL, finished: Date) throws -> Written {
        var infos: [String: LMEvalTaskInfo] = [:]
        var lines: [String: [(Int, JSONValue)]] = [:]
        var started = finished
        var taskOrder: [String] = []
        for shard in shards {
            guard let resultsURL = latestResults(in: shard) else { throw LMEvalMergeError.missing(shard.path) }
            let document = try JSONParser.parse(String(contentsOf: resultsURL, encoding: .utf8))
            guard let root = document.objectValue, let results = root["results"]?.objectValue else {
                throw LMEvalMergeError.unreadable(resultsURL.path)
            }
            if let date = root["date"]?.numberValue.flatMap({ Double($0.lexeme) }) {
                started = min(started, Date(timeIntervalSince1970: date))
            }
            let stamp = stampOf(resultsURL.lastPathComponent)
            for member in results.members {
                let task = member.key
                if !taskOrder.contains(task) { taskOrder.append(task) }
                let metricKey = member.value.objectValue?.members.map(\.key).first { $0.contains(",") }
                let filter = metricKey.flatMap { key in key.firstIndex(of: ",").map { String(key[key.index(after: $0)...]) } } ?? "none"
                infos[task] = LMEvalTaskInfo(
                    config: root["configs"]?.objectValue?[task] ?? .null, version: root["versions"]?.objectValue?[task] ?? .null,
                    numFewshot: root["n-shot"]?.objectValue?[task]?.numberValue.flatMap { Int($0.lexeme) } ?? 0, filter: filter,
                    originalCount: root["n-samples"]?.objectValue?[task]?.objectValue?["original"]?.numberValue.flatMap { Int($0.lexeme) }
                        ?? 0)
                let samplesURL = shard.appendingPathComponent("samples_\(task)_\(stamp).jsonl")
                let data = try Data(contentsOf: samplesURL)
                for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                    let value = try JSONParser.parse(String(decoding: line, as: UTF8.self))
                    let id = value.objectValue?["doc_id"]?.numberValue.flatMap { Int($0.lexeme) } ?? 0
                    lines[task, default: []].append((id, value))
                }
            }
        }
        let ordered = lines.mapValues { $0.sorted { $0.0 < $1.0 }.map(\.1) }
        return try write(merged, infos: infos, sampleLines: ordered, taskOrder: taskOrder, to: folder, started: started, finished: finished)
    }
}

public enum LMEvalMergeError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case unreadable(String)

    public var description: String {
        switch self {
        case let .missing(folder):
            return "\(folder) has no lm-eval results_<timestamp>.json (was the shard run with --output-format lm-eval?)"
        case let .unreadable(file): return "\(file) is not an lm-eval results file"
        }
    }
}

extension ShardMerge {
    /// `megalodon-eval merge` as one call: the shards' results.json and samples.jsonl joined into
    /// `output`, and their lm-eval files too when every shard has them (returned, else empty).
    public static func merge(_ shards: [URL], into output: URL, overwrite: Bool) throws -> (results: RunResults, lmEvalFiles: [URL]) {
        let merged = try merge(shards)
        try RunOutput.write(merged.results, samples: merged.samples, to: output, overwrite: overwrite)
        guard shards.allSatisfy({ LMEvalOutput.latestResults(in: $0) != nil }) else { return (merged.results, []) }
        let written = try LMEvalOutput.merge(shards: shards, merged: merged.results, into: output, finished: Date())
        return (merged.results, [written.results] + written.samples)
    }
}
