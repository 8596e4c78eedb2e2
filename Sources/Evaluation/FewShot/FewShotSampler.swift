/// Where a task's few-shot examples come from.
public enum FewShotPool<Document: TaskDocument>: Sendable {
    /// The eval split itself (no separate few-shot split is available): the scored document is
    /// always excluded, by its index in the split.
    case evalSplit
    /// A separate split (lm-eval: the train split), drawn from exactly as lm-eval draws from it.
    case separate([Document])
}

/// lm-eval's default `ContextSampler`: one `random.Random(seed)` shared by all eval docs and consumed
/// in document order, so doc i's examples depend on every earlier draw (and on `--limit`).
///
/// The scored document never appears among its own examples. With a separate pool the draw is
/// lm-eval's, per the task's `fewshot_draw`. When the pool is the eval split, every task draws n+1
/// and drops the document at the scored index (and any row equal to it): lm-eval's own rule for a
/// few-shot split that equals the test split. This differs from lm-eval where a task whose upstream
/// few-shot split is separate (ARC: train) is run with the eval split standing in for it: lm-eval
/// then draws n and may put the scored document in its own prompt; we do not.
public struct FewShotSampler<Document: TaskDocument>: Sendable {
    public let documents: [Document]
    public let pool: FewShotPool<Document>
    public let draw: TaskDefinition.FewShotDraw
    private var random: PythonRandom

    /// lm-eval's `fewshot_random_seed` default.
    public static var defaultSeed: Int { 1234 }

    /// `documents` is the eval split in evaluation order; `sample` names the scored one by index.
    public init(documents: [Document], pool: FewShotPool<Document>, draw: TaskDefinition.FewShotDraw, seed: Int = defaultSeed) {
        self.documents = documents
        self.pool = pool
        self.draw = draw
        self.random = PythonRandom(seed: seed)
    }

    public enum SamplingError: Error, Equatable {
        case poolTooSmall(requested: Int, available: Int)
        case documentIndexOutOfRange(index: Int, count: Int)
    }

    /// `ContextSampler.sample(n, eval_doc)` for the eval document at `index`.
    public mutating func sample(_ n: Int, forDocumentAt index: Int) throws -> [Document] {
        guard documents.indices.contains(index) else {
            throw SamplingError.documentIndexOutOfRange(index: index, count: documents.count)
        }
        if n == 0 { return [] }
        let evalDocument = documents[index]
        switch pool {
        case .separate(let candidates):
            switch draw {
            case .exactlyN:
                return try draw(n, from: Array(candidates.indices)).map { candidates[$0] }
            case .nPlusOneWithoutEvalDoc:
                return try drawExcluding(n, from: candidates) { candidates[$0] == evalDocument }
            }
        case .evalSplit:
            let documents = self.documents
            return try drawExcluding(n, from: documents) { $0 == index || documents[$0] == evalDocument }
        }
    }

    /// n+1 indices, those `excluded` dropped, the first n kept.
    private mutating func drawExcluding(_ n: Int, from candidates: [Document], excluded: (Int) -> Bool) throws -> [Document] {
        let drawn = try draw(n + 1, from: Array(candidates.indices)).filter { !excluded($0) }
        if drawn.count >= n { return drawn.prefix(n).map { candidates[$0] } }
        // Several pool rows equal the eval doc: lm-eval redraws n from the pool without any of them.
        return try draw(n, from: candidates.indices.filter { !excluded($0) }).map { candidates[$0] }
    }

    private mutating func draw(_ count: Int, from candidates: [Int]) throws -> [Int] {
        guard count <= candidates.count else {
            throw SamplingError.poolTooSmall(requested: count, available: candidates.count)
        }
        return random.sample(candidates, count: count)
    }
}
