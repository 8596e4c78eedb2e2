/// Plain-text prompt assembly as lm-eval's `fewshot_context` + `build_qa_turn` render it without a
/// chat template: each example is `text + target_delimiter + answer + fewshot_delimiter`, then the
/// eval doc's text with nothing after it; a `description` comes first, followed by the few-shot delimiter.
public struct PromptBuilder: Sendable {
    public let definition: TaskDefinition
    public let template: PromptTemplate
    private let answerTemplate: PromptTemplate?

    public init(definition: TaskDefinition) throws {
        self.definition = definition
        guard let text = definition.docToText else { throw TaskError.missingTemplate(task: definition.name) }
        self.template = try PromptTemplate(text)
        self.answerTemplate = try definition.docToFewshotAnswer.map(PromptTemplate.init)
    }

    public func text<Document: TaskDocument>(_ document: Document) throws -> String {
        try template.render(document.templateFields)
    }

    public func context<Document: TaskDocument>(for document: Document, examples: [Document]) throws -> String {
        var context = definition.description.map { $0 + definition.fewshotDelimiter } ?? ""
        for example in examples {
            let answer =
                try answerTemplate.map { try $0.render(example.templateFields) }
                ?? example.fewShotAnswer(fixedChoices: definition.choices)
            // lm-eval treats an empty answer as "no answer": the example text gets no delimiters at all.
            context +=
                answer.isEmpty
                ? try text(example)
                : try text(example) + definition.targetDelimiter + answer + definition.fewshotDelimiter
        }
        return context + (try text(document))
    }
}
