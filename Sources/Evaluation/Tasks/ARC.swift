/// An `allenai/ai2_arc` row (ARC-Easy / ARC-Challenge test split).
public struct ARCDocument: TaskDocument, Codable {
    public struct Choices: Codable, Equatable, Sendable {
        public var text: [String]
        public var label: [String]
    }

    public var id: String
    public var question: String
    public var choices: Choices
    public var answerKey: String

    public var templateFields: [String: String] { ["question": question] }

    public func choices(fixedChoices: [String]?) -> [String]? { choices.text }

    /// `choices.label.index(answerKey)`: label-agnostic, so numeric keys ("1"…"5") work as letters do.
    public func target() throws -> TaskTarget {
        guard let index = choices.label.firstIndex(of: answerKey) else {
            throw TaskError.answerKeyNotAmongLabels(id: id, answerKey: answerKey)
        }
        return .choiceIndex(index)
    }
}
