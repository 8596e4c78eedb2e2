/// A `trivia_qa` rc.nocontext row; lm-eval scores against `answer.aliases` (any match counts).
public struct TriviaQADocument: TaskDocument, Codable {
    public struct Answer: Codable, Equatable, Sendable {
        public var value: String
        public var aliases: [String]
        public var normalizedAliases: [String]?

        enum CodingKeys: String, CodingKey { case value, aliases, normalizedAliases = "normalized_aliases" }
    }

    public var question: String
    public var questionID: String
    public var answer: Answer

    enum CodingKeys: String, CodingKey { case question, answer, questionID = "question_id" }

    /// `answer` (the answer's `value`) is what the LLaMA protocol shows after a few-shot question.
    public var templateFields: [String: String] { ["question": question, "answer": answer.value] }

    public func choices(fixedChoices: [String]?) -> [String]? { nil }

    public func target() throws -> TaskTarget { .aliases(answer.aliases) }
}
