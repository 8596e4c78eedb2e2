import Foundation

/// A data problem located exactly: file, 1-based line and, when known, the field.
public struct BadDataLine: Error, Equatable, Sendable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var field: String?
    public var reason: String

    public var description: String {
        "\(file) line \(line)" + (field.map { ", field \"\($0)\"" } ?? "") + ": \(reason)"
    }
}

/// Reads JSON Lines documents one line at a time. Without `skipBad` the first bad line is an error;
/// with it, bad lines are collected so the run can count and report them.
public struct DataFile<Document: Decodable> {
    public var documents: [(line: Int, document: Document)] = []
    public var skipped: [BadDataLine] = []

    public init(url: URL, skipBad: Bool, validate: (Document) -> (field: String, reason: String)? = { _ in nil }) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EvaluationDataError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        let decoder = JSONDecoder()
        for (offset, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let number = offset + 1
            var problem: BadDataLine?
            do {
                let document = try decoder.decode(Document.self, from: Data(line))
                if let invalid = validate(document) {
                    problem = BadDataLine(file: url.path, line: number, field: invalid.field, reason: invalid.reason)
                } else {
                    documents.append((number, document))
                }
            } catch {
                problem = Self.describe(error, file: url.path, line: number)
            }
            if let problem {
                guard skipBad else { throw problem }
                skipped.append(problem)
            }
        }
        if documents.isEmpty && skipped.isEmpty { throw EvaluationDataError.empty(file: url.path) }
    }

    /// A decoding failure with the field path it concerns (`choices.label`, `answer.aliases[2]`).
    static func describe(_ error: Error, file: String, line: Int) -> BadDataLine {
        func path(_ keys: [CodingKey]) -> String? {
            let text = keys.reduce("") { partial, key in
                if let index = key.intValue { return partial + "[\(index)]" }
                return partial.isEmpty ? key.stringValue : partial + "." + key.stringValue
            }
            return text.isEmpty ? nil : text
        }
        guard let decoding = error as? DecodingError else {
            return BadDataLine(file: file, line: line, field: nil, reason: String(describing: error))
        }
        switch decoding {
        case let .keyNotFound(key, context):
            return BadDataLine(file: file, line: line, field: path(context.codingPath + [key]), reason: "missing field")
        case let .typeMismatch(type, context):
            return BadDataLine(file: file, line: line, field: path(context.codingPath), reason: "expected \(type)")
        case let .valueNotFound(type, context):
            return BadDataLine(file: file, line: line, field: path(context.codingPath), reason: "expected \(type), found null")
        case let .dataCorrupted(context):
            let reason = path(context.codingPath) == nil ? "not a valid JSON object" : context.debugDescription
            return BadDataLine(file: file, line: line, field: path(context.codingPath), reason: reason)
        @unknown default:
            return BadDataLine(file: file, line: line, field: nil, reason: String(describing: error))
        }
    }
}
