/// Token ids of a loglikelihood request as lm-eval's `TemplateLM` forms them.
public struct EncodedPair: Equatable, Sendable {
    public var context: [Int]
    public var continuation: [Int]

    public enum EncodingError: Error, Equatable {
        /// A token spans the context/continuation join, so nothing is left to score (lm-eval asserts here).
        case emptyContinuation(context: String, continuation: String)
    }

    /// Trailing whitespace of the context moves to the continuation; the continuation's ids are the
    /// tail of tokenize(context + continuation) past tokenize(context). An empty context is replaced
    /// by the prefix token (unless the continuation already starts with it).
    public static func encode(_ request: LoglikelihoodRequest, with tokenizer: EvaluationTokenizer) throws -> EncodedPair {
        var context = request.context
        var continuation = request.continuation
        if context.isEmpty {
            let ids = try tokenizer.encode(continuation, addSpecialTokens: false)
            if let first = ids.first, first == tokenizer.prefixTokenID {
                return try checked(EncodedPair(context: [first], continuation: Array(ids.dropFirst())), request)
            }
            return try checked(EncodedPair(context: [tokenizer.prefixTokenID], continuation: ids), request)
        }
        let moved = PythonText.trailingSpaceCount(context)
        if moved > 0 {
            let scalars = Array(context.unicodeScalars)
            continuation = PythonText.string(scalars.suffix(moved)) + continuation
            context = PythonText.string(scalars.dropLast(moved))
        }
        let whole = try tokenizer.encode(context + continuation, addSpecialTokens: true)
        let contextIDs = try tokenizer.encode(context, addSpecialTokens: true)
        let tail = whole.count > contextIDs.count ? Array(whole[contextIDs.count...]) : []
        return try checked(EncodedPair(context: contextIDs, continuation: tail), request)
    }

    private static func checked(_ pair: EncodedPair, _ request: LoglikelihoodRequest) throws -> EncodedPair {
        if pair.continuation.isEmpty {
            throw EncodingError.emptyContinuation(context: request.context, continuation: request.continuation)
        }
        return pair
    }
}
