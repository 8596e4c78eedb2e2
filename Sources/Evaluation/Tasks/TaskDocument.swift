/// What a task's gold answer is, in lm-eval's three shapes (`doc_to_target` returning an int index
/// into the choices, a list of acceptable strings, or one string).
public enum TaskTarget: Equatable, Sendable {
    case choiceIndex(Int)
    case aliases([String])
    case text(String)
}

/// One evaluation document of some suite: the fields its prompt template reads, its choices
/// (multiple choice only) and its target. Equality is whole-document, as lm-eval's `x != doc`.
public protocol TaskDocument: Equatable, Sendable {
    var templateFields: [String: String] { get }
    /// The answer options, or nil for generation tasks; `fixedChoices` comes from the task definition.
    func choices(fixedChoices: [String]?) -> [String]?
    func target() throws -> TaskTarget
}

extension TaskDocument {
    /// `build_qa_turn`'s answer text for a few-shot example: the gold choice, the first alias, or the text.
    func fewShotAnswer(fixedChoices: [String]?) throws -> String {
        switch try target() {
        case .choiceIndex(let index):
            guard let options = choices(fixedChoices: fixedChoices), options.indices.contains(index) else {
                throw TaskError.targetOutOfRange(index: index)
            }
            return options[index]
        case .aliases(let aliases):
            guard let first = aliases.first else { throw TaskError.noAliases }
            return first
        case .text(let text):
            return text
        }
    }
}

/// A document whose target cannot be formed.
public enum TaskError: Error, Equatable {
    case targetOutOfRange(index: Int)
    case noAliases
    case answerKeyNotAmongLabels(id: String, answerKey: String)
    case missingChoices(task: String)
    case missingTemplate(task: String)
    case notAPromptedTask(task: String)
    case choiceNotFound(id: String, output: String)
}
