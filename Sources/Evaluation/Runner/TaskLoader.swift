import Foundation

/// A task bound to its data: the items to score, in lm-eval's order, and what was skipped.
public struct LoadedTask: Sendable {
    public var definition: TaskDefinition
    public var items: [EvaluationItem]
    public var scoring: TaskScoring
    public var skipped: [BadDataLine]
    /// Every data file read (eval split, and the few-shot pool when it is a separate file).
    public var dataFiles: [URL]
    /// Where few-shot examples came from: a `train.jsonl` beside the data, or the eval split itself.
    public var fewShotPool: String
}

public enum TaskLoadingError: Error, Equatable, CustomStringConvertible {
    case unknownTask(name: String, known: [String])
    case noDefinitions(name: String, directory: String)
    case unsupportedSuite(task: String, suite: String)

    public var description: String {
        switch self {
        case let .unknownTask(name, known): return "no task \"\(name)\" (known: \(known.joined(separator: ", ")))"
        case let .noDefinitions(name, directory):
            return "no task \"\(name)\": no task definitions in \(directory) (give --evals-dir or set MEGALODON_EVALS)"
        case let .unsupportedSuite(task, suite): return "task \(task): suite \"\(suite)\" has no runner"
        }
    }
}

/// Reads task definitions (evals/<name>.json) and their JSONL data into `EvaluationItem`s.
public struct TaskLoader {
    public var definitionsDirectory: URL
    public var dataDirectory: URL
    public var skipBad: Bool

    public init(definitionsDirectory: URL, dataDirectory: URL, skipBad: Bool = false) {
        self.definitionsDirectory = definitionsDirectory
        self.dataDirectory = dataDirectory
        self.skipBad = skipBad
    }

    public func knownTasks() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: definitionsDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    public func definition(named name: String) throws -> TaskDefinition {
        let url = definitionsDirectory.appendingPathComponent("\(name).json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            let known = knownTasks()
            if known.isEmpty { throw TaskLoadingError.noDefinitions(name: name, directory: definitionsDirectory.path) }
            throw TaskLoadingError.unknownTask(name: name, known: known)
        }
        return try TaskDefinition.load(from: url)
    }

    /// The first `limit` documents of the task (all without a limit), with `numFewshot` examples
    /// (the definition's default when nil).
    public func load(_ name: String, numFewshot: Int?, limit: Int?) throws -> LoadedTask {
        let definition = try definition(named: name)
        let dataURL = dataDirectory.appendingPathComponent(definition.data)
        let poolURL = dataURL.deletingLastPathComponent().appendingPathComponent("train.jsonl")
        let hasPool = FileManager.default.fileExists(atPath: poolURL.path) && poolURL.path != dataURL.path
        var loaded = LoadedTask(
            definition: definition, items: [], scoring: .multipleChoice(reportsExactMatch: false), skipped: [],
            dataFiles: hasPool ? [dataURL, poolURL] : [dataURL],
            fewShotPool: hasPool ? poolURL.lastPathComponent : "the eval split (no train.jsonl beside it)")
        switch definition.suite {
        case "arc":
            try loadPrompted(
                ARCDocument.self, into: &loaded, numFewshot: numFewshot, limit: limit, poolURL: hasPool ? poolURL : nil,
                id: \.id, validate: Self.validateARC)
        case "boolq":
            try loadPrompted(
                BoolQDocument.self, into: &loaded, numFewshot: numFewshot, limit: limit, poolURL: hasPool ? poolURL : nil,
                id: { String($0.idx) }, validate: Self.validateBoolQ)
        case "triviaqa":
            try loadPrompted(
                TriviaQADocument.self, into: &loaded, numFewshot: numFewshot, limit: limit, poolURL: hasPool ? poolURL : nil,
                id: \.questionID, validate: { $0.answer.aliases.isEmpty ? ("answer.aliases", "no aliases to score against") : nil })
            loaded.scoring = .exactMatch(definition.exactMatch ?? .init(ignoreCase: false, ignorePunctuation: false))
        case "scrolls":
            try loadScrolls(into: &loaded, numFewshot: numFewshot, limit: limit)
        default:
            throw TaskLoadingError.unsupportedSuite(task: name, suite: definition.suite)
        }
        return loaded
    }

    static func validateARC(_ document: ARCDocument) -> (field: String, reason: String)? {
        if document.choices.text.count != document.choices.label.count {
            return ("choices.label", "\(document.choices.label.count) labels for \(document.choices.text.count) choices")
        }
        if !document.choices.label.contains(document.answerKey) {
            return ("answerKey", "\"\(document.answerKey)\" is not among the labels \(document.choices.label)")
        }
        return nil
    }

    static func validateBoolQ(_ document: BoolQDocument) -> (field: String, reason: String)? {
        (0...1).contains(document.label) ? nil : ("label", "\(document.label) is out of range (0 = no, 1 = yes)")
    }

    private func loadPrompted<Document: TaskDocument & Decodable>(
        _ type: Document.Type, into loaded: inout LoadedTask, numFewshot: Int?, limit: Int?, poolURL: URL?,
        id: (Document) -> String, validate: @escaping (Document) -> (field: String, reason: String)?
    ) throws {
        let definition = loaded.definition
        let file = try DataFile<Document>(url: loaded.dataFiles[0], skipBad: skipBad, validate: validate)
        loaded.skipped += file.skipped
        let documents = file.documents.map(\.document)
        var pool = FewShotPool<Document>.evalSplit
        if let poolURL {
            let poolFile = try DataFile<Document>(url: poolURL, skipBad: skipBad, validate: validate)
            loaded.skipped += poolFile.skipped
            pool = .separate(poolFile.documents.map(\.document))
        }
        var task = try PromptedTask(definition: definition, documents: documents, pool: pool, numFewshot: numFewshot)
        for (index, document) in documents.prefix(limit ?? documents.count).enumerated() {
            let work: EvaluationItem.Work
            switch try task.nextRequests(forDocumentAt: index) {
            case let .multipleChoice(requests, choices, gold): work = .multipleChoice(requests: requests, choices: choices, gold: gold)
            case let .calibratedChoice(requests, calibration, choices, gold):
                work = .calibratedChoice(requests: requests, calibration: calibration, choices: choices, gold: gold)
            case let .generation(request, references): work = .generation(request, references: references)
            }
            loaded.items.append(EvaluationItem(task: definition.name, index: index, documentID: id(document), work: work))
        }
    }

    private func loadScrolls(into loaded: inout LoadedTask, numFewshot: Int?, limit: Int?) throws {
        let definition = loaded.definition
        guard let dataset = definition.dataset else { throw ScrollsError.unknownDataset(definition.name) }
        let file = try DataFile<ScrollsRow>(url: loaded.dataFiles[0], skipBad: skipBad)
        loaded.skipped += file.skipped
        loaded.dataFiles = [loaded.dataFiles[0]]
        loaded.fewShotPool = "none (SCROLLS is 0-shot)"
        let task = try ScrollsTask(definition: definition, rows: file.documents.map(\.document))
        for (index, document) in task.documents.prefix(limit ?? task.documents.count).enumerated() {
            let work: EvaluationItem.Work
            switch try task.requests(for: document, numFewshot: numFewshot ?? 0) {
            case let .multipleChoice(requests, choices, gold): work = .multipleChoice(requests: requests, choices: choices, gold: gold)
            case let .yesNo(requests, references): work = .yesNo(requests: requests, references: references)
            case let .generation(request, references): work = .generation(request, references: references)
            }
            loaded.items.append(EvaluationItem(task: definition.name, index: index, documentID: document.id, work: work))
        }
        if let kind = ScrollsMetric.kind(forDataset: dataset), kind != .exactMatch {
            loaded.scoring = .scrolls(kind)
        } else {
            loaded.scoring = .multipleChoice(reportsExactMatch: true)
        }
    }
}
