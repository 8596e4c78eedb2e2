import Foundation

/// The one decoding loop, used by megalodon-generate and by eval's `generate_until`: the prompt in
/// one call, then one token per call, each chosen by the sampler and handed to `emit`, which says
/// whether to stop (end of sequence, a stop string). No forward call is made after the last token.
public enum TokenGeneration {
    public struct Timings: Sendable, Equatable {
        public var prefillSeconds: Double
        /// Tokens handed to `emit` (the one that stopped generation included).
        public var generatedTokens: Int
        public var decodeSeconds: Double
    }

    /// Generates up to `maxNewTokens` tokens after `prompt`. `promptLogits` chooses the prompt
    /// positions whose logits `onPromptLogits` receives (the last one is always computed).
    @discardableResult
    public static func run<Model: LanguageModel>(
        _ model: Model, prompt: [Int], maxNewTokens: Int, sampler: inout TokenSampler,
        promptLogits positions: LogitPositions = .last,
        onPromptLogits: (Logits) throws -> Void = { _ in },
        emit: (Int) throws -> Bool
    ) throws -> Timings {
        var state = model.makeState()
        let prefillStart = DispatchTime.now().uptimeNanoseconds
        let logits = try model.forward(prompt, state: &state, positions: positions == .all ? .all : .last)
        var timings = Timings(prefillSeconds: seconds(since: prefillStart), generatedTokens: 0, decodeSeconds: 0)
        try onPromptLogits(logits)
        guard maxNewTokens > 0, logits.rowCount > 0 else { return timings }
        var next = sampler.next(from: logits.row(logits.rowCount - 1))
        let decodeStart = DispatchTime.now().uptimeNanoseconds
        while timings.generatedTokens < maxNewTokens {
            timings.generatedTokens += 1
            if try emit(next) || timings.generatedTokens == maxNewTokens { break }
            next = sampler.next(from: try model.forward([next], state: &state, positions: .last).row(0))
        }
        timings.decodeSeconds = seconds(since: decodeStart)
        return timings
    }

    private static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
