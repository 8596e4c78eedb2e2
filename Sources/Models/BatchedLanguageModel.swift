/// A language model that advances several independent sequences in one call, so each weight matrix
/// is read once for all of their rows instead of once per sequence. Short calls (scoring a few
/// tokens after a shared prefix) are bound by streaming the weights, so stacking rows is where the
/// time goes down. Engines whose state cannot be stepped row-stacked (MEGALODON's chunked EMA
/// recurrence) keep the one-sequence `forward` only.
public protocol BatchedLanguageModel: LanguageModel {
    /// Consumes `tokens[i]` after everything `states[i]` has seen, for every `i`, and returns each
    /// sequence's logits for `positions`, in order. Equal to calling `forward` on each sequence alone
    /// up to float rounding. Sequences may be empty (their state is left as it was).
    func forward(batch tokens: [[Int]], states: inout [State], positions: LogitPositions) throws -> [Logits]
}
