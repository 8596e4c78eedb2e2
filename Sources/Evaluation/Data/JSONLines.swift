import Foundation

/// A data file that could not be read as the expected JSON Lines schema.
public enum EvaluationDataError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case badLine(file: String, line: Int, reason: String)
    case empty(file: String)
    case invalidDocument(file: String, id: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): return "cannot read \(file): \(reason)"
        case .badLine(let file, let line, let reason): return "\(file) line \(line): \(reason)"
        case .empty(let file): return "\(file) holds no documents"
        case .invalidDocument(let file, let id, let reason): return "\(file) document \(id): \(reason)"
        }
    }
}

/// Reads one JSON object per line into `Document`, naming the file and line on failure.
public enum JSONLines {
    public static func load<Document: Decodable>(_ type: Document.Type, from url: URL) throws -> [Document] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EvaluationDataError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        let decoder = JSONDecoder()
        var documents: [Document] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            do {
                documents.append(try decoder.decode(Document.self, from: Data(line)))
            } catch {
                throw EvaluationDataError.badLine(file: url.path, line: lineNumber, reason: String(describing: error))
            }
        }
        if documents.isEmpty { throw EvaluationDataError.empty(file: url.path) }
        return documents
    }
}
