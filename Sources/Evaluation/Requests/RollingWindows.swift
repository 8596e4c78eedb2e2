/// One `loglikelihood_rolling` window: score the last `predicted.count` positions of `context + predicted`.
public struct RollingWindow: Equatable, Sendable {
    public var context: [Int]
    public var predicted: [Int]
}

/// lm-eval's `get_rolling_token_windows(context_len=1)` followed by `make_disjoint_window`: the first
/// window predicts up to `maxLength` tokens after the prefix token; later windows predict the next
/// `maxLength` tokens from the one token before them, and the last, partial window keeps up to
/// `maxLength` tokens of left context.
public enum RollingWindows {
    public enum WindowError: Error, Equatable { case maxLengthTooSmall(Int) }

    public static func windows(tokens: [Int], prefixToken: Int, maxLength: Int) throws -> [RollingWindow] {
        guard maxLength >= 1 else { throw WindowError.maxLengthTooSmall(maxLength) }
        guard !tokens.isEmpty else { return [] }
        var result: [RollingWindow] = []
        let firstLength = min(maxLength, tokens.count)
        result.append(disjoint(input: [prefixToken] + tokens[..<(firstLength - 1)], predicted: Array(tokens[..<firstLength])))
        var predictedCount = firstLength
        while predictedCount < tokens.count {
            let windowLength = min(tokens.count - predictedCount, maxLength)
            let end = predictedCount + windowLength
            let input = Array(tokens[(end - maxLength - 1)..<(end - 1)])
            result.append(disjoint(input: input, predicted: Array(tokens[(end - windowLength)..<end])))
            predictedCount += windowLength
        }
        return result
    }

    private static func disjoint(input: [Int], predicted: [Int]) -> RollingWindow {
        RollingWindow(context: Array(input.prefix(input.count - (predicted.count - 1))), predicted: predicted)
    }
}
