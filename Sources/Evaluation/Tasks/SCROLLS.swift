/// A `tau/scrolls` JSONL row: one per (input, output) pair; `id` is shared by rows with the same input.
public struct ScrollsRow: Codable, Equatable, Sendable {
    public var id: String
    public var pid: String
    public var input: String
    public var output: String
}

/// A SCROLLS document after lm-eval's processing: rows merged per `id` (`_drop_duplicates_in_input`)
/// and the query split off the text for the tasks that prepend one.
public struct ScrollsDocument: Equatable, Sendable {
    public var id: String
    public var pid: String
    public var input: String
    public var outputs: [String]
    /// Text before the first blank line (the query), and the rest; nil for plain summarisation.
    public var question: String?
    public var text: String?
    /// QuALITY / ContractNLI options and the gold index.
    public var choices: [String]?
    public var gold: Int?
    /// Qasper: every reference normalises to "yes" or "no", so the doc is scored by two log-likelihoods.
    public var isYesNo = false

    public var templateFields: [String: String] {
        var fields = ["input": input]
        if let question { fields["question"] = question }
        if let text { fields["text"] = text }
        return fields
    }
}

/// Building `ScrollsDocument`s the way each lm-eval SCROLLS task's `_process_doc` does.
public enum ScrollsDocuments {
    /// Keep the first row of each id and collect every row's output under it, in file order.
    public static func mergingDuplicateInputs(_ rows: [ScrollsRow]) -> [ScrollsDocument] {
        var documents: [ScrollsDocument] = []
        var position: [String: Int] = [:]
        for row in rows {
            if let index = position[row.id] {
                documents[index].outputs.append(row.output)
            } else {
                position[row.id] = documents.count
                documents.append(ScrollsDocument(id: row.id, pid: row.pid, input: row.input, outputs: [row.output]))
            }
        }
        return documents
    }

    public static let contractNLIChoices = ["Not mentioned", "Entailment", "Contradiction"]

    public static func process(_ document: ScrollsDocument, dataset: String) throws -> ScrollsDocument {
        var document = document
        switch dataset {
        case "gov_report", "summ_screen_fd":
            return document
        case "narrative_qa", "qmsum":
            splitQuestion(&document)
        case "qasper":
            splitQuestion(&document)
            document.isYesNo = document.outputs.allSatisfy { ["yes", "no"].contains(SQuADNormalization.normalize($0)) }
        case "contract_nli":
            splitQuestion(&document)
            document.choices = contractNLIChoices
            guard let first = document.outputs.first, let gold = contractNLIChoices.firstIndex(of: first) else {
                throw TaskError.choiceNotFound(id: document.id, output: document.outputs.first ?? "")
            }
            document.gold = gold
        case "quality":
            splitQuestion(&document)
            try splitQuALITYChoices(&document)
        default:
            throw ScrollsError.unknownDataset(dataset)
        }
        return document
    }

    /// `_process_doc_prepended_question`: query = text before the first "\n\n", text = after it.
    /// Python slicing with `find` = -1 (no blank line) drops the last / first character; kept as is.
    static func splitQuestion(_ document: inout ScrollsDocument) {
        let scalars = Array(document.input.unicodeScalars)
        let split = find(scalars, ["\n", "\n"], from: 0)
        document.question = PythonText.string(pySlice(scalars, 0, split))
        document.text = PythonText.string(pySlice(scalars, split + 2, nil))
    }

    /// QuALITY: options run from the text's start to the first blank line after "(D)"; they are split
    /// on ` *\([A-D]\) *` and whitespace-normalised; the gold is the option equal to the first output.
    static func splitQuALITYChoices(_ document: inout ScrollsDocument) throws {
        let text = Array((document.text ?? "").unicodeScalars)
        let split = find(text, ["\n", "\n"], from: find(text, ["(", "D", ")"], from: 0))
        let optionsText = pySlice(text, 0, split)
        document.text = PythonText.strip(PythonText.string(pySlice(text, split, nil)))
        let choices = splitOnOptionLetters(Array(optionsText)).dropFirst().map { normalizeOption(PythonText.string($0)) }
        document.choices = choices
        let wanted = normalizeOption(document.outputs.first ?? "")
        guard let gold = choices.firstIndex(of: wanted) else { throw TaskError.choiceNotFound(id: document.id, output: wanted) }
        document.gold = gold
    }

    static func normalizeOption(_ text: String) -> String {
        PythonText.strip(PythonText.splitOnWhitespace(text).joined(separator: " "))
    }

    /// `re.split(r" *\([A-D]\) *", text)`.
    static func splitOnOptionLetters(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var pieces: [[Unicode.Scalar]] = []
        var pieceStart = 0
        var position = 0
        while position < scalars.count {
            var cursor = position
            while cursor < scalars.count, scalars[cursor] == " " { cursor += 1 }
            if cursor + 2 < scalars.count, scalars[cursor] == "(", ("A"..."D").contains(scalars[cursor + 1]), scalars[cursor + 2] == ")" {
                var end = cursor + 3
                while end < scalars.count, scalars[end] == " " { end += 1 }
                pieces.append(Array(scalars[pieceStart..<position]))
                pieceStart = end
                position = end
            } else {
                position += 1
            }
        }
        pieces.append(Array(scalars[pieceStart...]))
        return pieces
    }

    /// Python `str.find(sub, start)` over code points (a negative start counts from the end).
    static func find(_ scalars: [Unicode.Scalar], _ needle: [Unicode.Scalar], from start: Int) -> Int {
        var begin = start < 0 ? max(scalars.count + start, 0) : start
        while begin + needle.count <= scalars.count {
            if Array(scalars[begin..<(begin + needle.count)]) == needle { return begin }
            begin += 1
        }
        return -1
    }

    /// Python `s[start:end]` for code-point arrays, negative indices included.
    static func pySlice(_ scalars: [Unicode.Scalar], _ start: Int, _ end: Int?) -> ArraySlice<Unicode.Scalar> {
        func clamp(_ index: Int) -> Int { index < 0 ? max(scalars.count + index, 0) : min(index, scalars.count) }
        let lower = clamp(start)
        let upper = end.map(clamp) ?? scalars.count
        return lower < upper ? scalars[lower..<upper] : []
    }
}

public enum ScrollsError: Error, Equatable {
    case unknownDataset(String)
    /// lm-eval 0.4.13 cannot build SCROLLS few-shot prompts (its task classes' doc_to_text takes no
    /// template argument and raises TypeError), so there is nothing to match; 0-shot only.
    case fewShotNotSupported(task: String)
}
