/// A `super_glue/boolq` row; `label` 1 means yes, the index of "yes" in the task's choices.
public struct BoolQDocument: TaskDocument, Codable {
    public var idx: Int
    public var passage: String
    public var question: String
    public var label: Int

    public var templateFields: [String: String] { ["passage": passage, "question": question] }

    public func choices(fixedChoices: [String]?) -> [String]? { fixedChoices }

    public func target() throws -> TaskTarget { .choiceIndex(label) }
}
