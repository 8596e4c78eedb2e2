/// Keys (after RoPE) and values an attention layer has cached, row-major `[count, key width]` and
/// `[count, value width]`. MEGALODON keeps only the current, unfinished chunk (emptied as soon as a
/// chunk is complete); Llama keeps every position seen.
public struct ChunkKVCache: Sendable, Equatable {
    public var keys: [Float]
    public var values: [Float]
    public var count: Int

    public init(keys: [Float] = [], values: [Float] = [], count: Int = 0) {
        self.keys = keys
        self.values = values
        self.count = count
    }
}
