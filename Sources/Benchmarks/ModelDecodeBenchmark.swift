import Checkpoints
import Foundation
import Models
import Quantization
import Tensors

/// Decode speed of a model opened from disk as users open it (a memory-mapped model directory or a
/// GGUF file, weights used in place), with the weight bytes each token streams and the memory the
/// process holds. For 7B-class models where the weights are the whole cost of a decoded token.
public struct ModelDecodeBenchmark {
    public var path: String
    public var prefillTokens = 8
    public var decodeTokens = 8
    public var repeats = 3
    /// llama.cpp's llama-bench and the GGUF file it decodes after each of our runs (`-p 0 -n
    /// decodeTokens -r 1`), so that each pair sees the same machine load; nil to time ours only.
    public var llamaCpp: (executable: String, model: String)?

    public init(path: String) { self.path = path }

    public struct Report: Sendable {
        public let architecture: String
        public let loadSeconds: Double
        public let residentAfterLoad: Int
        public let prefillSeconds: Double
        public let decodePerToken: Timing
        /// Tokens/s of each of our runs against llama-bench's right after it, when `llamaCpp` was set.
        public let llamaCppRounds: PairedRounds?
        public let weightBytesPerToken: Int
        public let peakResidentBytes: Int

        public var tokensPerSecond: Double { 1 / decodePerToken.median }
        public var weightGBPerSecond: Double { Double(weightBytesPerToken) / decodePerToken.median / 1e9 }
    }

    /// Opens the model once and times `repeats` runs (each followed by llama-bench when `llamaCpp` is set).
    public func run(progress: (String) -> Void = { _ in }) throws -> Report {
        let (bundle, loadSeconds) = try Timing.seconds { try ModelBundle.open(path) }
        let resident = PeakMemory.currentResidentBytes
        progress(
            String(format: "opened %@ (%@) in %.1f s, resident %.2f GB", path, bundle.architecture, loadSeconds, Double(resident) / 1e9))
        let weightBytes = try (bundle.model as? LlamaModel)?.weightBytesPerToken ?? Self.weightBytesPerToken(path)
        let (prefill, decode, rounds) = try measure(bundle.model, progress: progress)
        return Report(
            architecture: bundle.architecture, loadSeconds: loadSeconds, residentAfterLoad: resident, prefillSeconds: prefill,
            decodePerToken: decode, llamaCppRounds: rounds, weightBytesPerToken: weightBytes, peakResidentBytes: PeakMemory.bytes)
    }

    private func measure<Model: LanguageModel>(
        _ model: Model, progress: (String) -> Void
    ) throws -> (Double, Timing, PairedRounds?) {
        let prompt = (0..<prefillTokens).map { 1 + ($0 * 7919) % max(1, model.vocabularySize - 1) }
        var state = model.makeState()
        progress("prefill \(prefillTokens) tokens (first touch of every weight page)")
        var (logits, prefill) = try Timing.seconds { try model.forward(prompt, state: &state, positions: .last) }
        let start = state
        var token = TokenSampler.argmax(Array(logits.row(0)))
        var samples: [Double] = [], ours: [Double] = [], theirs: [Double] = []
        for run in 0..<repeats {
            // An untimed token before every run, as llama-bench warms up before each repetition: after
            // another tool has run in between (paired rounds), the first token here took 0.12–0.22 s
            // against 0.09 for the rest (Llama-7B int4, 2 threads, Zen 4).
            progress("decode warm-up token")
            var warm = start
            _ = try model.forward([token], state: &warm, positions: .last)
            state = start
            var runSeconds = 0.0
            for step in 0..<decodeTokens {
                let (next, seconds) = try Timing.seconds { try model.forward([token], state: &state, positions: .last) }
                logits = next
                samples.append(seconds)
                runSeconds += seconds
                token = TokenSampler.argmax(Array(logits.row(0)))
                progress(
                    String(format: "decode run %d/%d token %d/%d: %.3f s", run + 1, repeats, step + 1, decodeTokens, samples.last ?? 0))
            }
            ours.append(Double(decodeTokens) / runSeconds)
            if let llamaCpp {
                progress(
                    "llama-bench tg\(decodeTokens) on \(URL(fileURLWithPath: llamaCpp.model).lastPathComponent), round \(run + 1)/\(repeats)"
                )
                theirs.append(
                    try LlamaCppBenchFigures.measure(
                        executable: llamaCpp.executable, model: llamaCpp.model, threads: ThreadPool.shared.threadCount, prefill: 0,
                        decode: decodeTokens, repeats: 1
                    ).decode)
            }
        }
        return (prefill, Timing(samples: samples), llamaCpp == nil ? nil : PairedRounds(ours: ours, theirs: theirs))
    }

    /// Bytes of every matrix a decoded token reads: all 2-D tensors (quantized parts included)
    /// except the embedding, of which a token reads one row.
    public static func weightBytesPerToken(_ path: String) throws -> Int {
        let source = try Architectures.openCheckpoint(path)
        let embedding = ["embed.weight", "model.embed_tokens.weight", "token_embd.weight", "tok_embeddings.weight"]
        return source.tensorInfos.filter { info in
            info.shape.count == 2
                && !embedding.contains {
                    info.name == $0 || info.name.hasPrefix($0 + ".") || info.name.hasPrefix(String($0.dropLast(".weight".count)) + ".")
                }
        }.reduce(0) { $0 + $1.byteCount }
    }
}
