/// lm-eval's default `ContextSampler`: one `random.Random(seed)` shared by all eval docs and consumed
/// in document order, so doc i's examples depend on every earlier draw (and on `--limit`).
public struct FewShotSampler<Document: TaskDocument>: Sendable {
    public let pool: [Document]
    public let draw: TaskDefinition.FewShotDraw
    private var random: PythonRandom

    /// lm-eval's `fewshot_random_seed` default.
    public static var defaultSeed: Int { 1234 }

    public init(pool: [Document], draw: TaskDefinition.FewShotDraw, seed: Int = defaultSeed) {
        self.pool = pool
        self.draw = draw
        self.random = PythonRandom(seed: seed)
    }

    public enum SamplingError: Error, Equatable { case poolTooSmall(requested: Int, available: Int) }

    /// `ContextSampler.sample(n, eval_doc)`.
    public mutating func sample(_ n: Int, for evalDocument: Document) throws -> [Document] {
        if n == 0 { return [] }
        switch draw {
        case .exactlyN:
            return try draw(n, from: pool)
        case .nPlusOneWithoutEvalDoc:
            let drawn = try draw(n + 1, from: pool).filter { $0 != evalDocument }
            if drawn.count >= n { return Array(drawn.prefix(n)) }
            // Several pool rows equal the eval doc: lm-eval redraws n from the pool without any of them.
            return try draw(n, from: pool.filter { $0 != evalDocument })
        }
    }

    private mutating func draw(_ count: Int, from candidates: [Document]) throws -> [Document] {
        guard count <= candidates.count else {
            throw SamplingError.poolTooSmall(requested: count, available: candidates.count)
        }
        return random.sample(candidates, count: count)
    }
}
