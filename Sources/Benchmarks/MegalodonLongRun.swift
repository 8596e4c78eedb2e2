import Checkpoints
import Foundation
import Models
import Tensors

/// A real long stream through a random-weight MEGALODON model: millions of seeded pseudo-random
/// tokens fed one chunk per call, then a check that the state carried that far still reproduces
/// the stream. The state is snapshotted near the end (copied in memory and written to and read
/// back from a state file); the logits the stream produced for the chunk after the snapshot are
/// compared with recomputing the same tokens from the restored state in one call and token by
/// token. Peak RSS is sampled along the way: it must stay flat, since memory is bounded by the
/// chunk size.
public struct MegalodonLongRun: Sendable {
    public var config: MegalodonConfig
    /// Tokens streamed before the snapshot (plus `snapshotDelay`); the compared window follows.
    public var tokens: Int
    /// Extra tokens streamed before the snapshot. The default, half a chunk, puts the snapshot half
    /// way into a chunk, so it holds a half-filled attention cache and the window crosses a chunk
    /// boundary.
    public var snapshotDelay: Int
    /// Tokens after the snapshot whose logits are compared (default: one chunk).
    public var comparedTokens: Int
    /// Stream positions at which peak RSS is sampled (those beyond `tokens` are skipped), all
    /// before the snapshot so they measure streaming alone.
    public var memoryCheckpoints = [4096, 65536, 262_144, 1 << 20, 1 << 21]
    public var weightSeed: UInt64 = 1
    public var tokenSeed: UInt64 = 2

    public init(config: MegalodonConfig, tokens: Int) {
        self.config = config
        self.tokens = tokens
        snapshotDelay = config.chunkSize / 2
        comparedTokens = config.chunkSize
    }

    /// A small model that streams a million tokens in a few minutes on one thread while keeping
    /// every part of the architecture (two layers, two heads, SwiGLU, a 2048-token vocabulary).
    public static var smallConfig: MegalodonConfig {
        var c = MegalodonConfig()
        (c.numLayers, c.modelDim, c.zDim, c.valueDim, c.numHeads) = (2, 128, 64, 256, 2)
        (c.ffnHiddenDim, c.cemaNdim, c.chunkSize, c.normNumGroups, c.vocabSize) = (256, 16, 512, 16, 2048)
        c.swiglu = true
        return c
    }

    public enum Failure: Error, CustomStringConvertible {
        case invalidLengths(tokens: Int, snapshotDelay: Int, compared: Int)
        public var description: String {
            switch self {
            case let .invalidLengths(tokens, snapshotDelay, compared):
                return
                    "long run: tokens (\(tokens)) and compared tokens (\(compared)) must be positive, the snapshot delay (\(snapshotDelay)) not negative"
            }
        }
    }

    /// How far a recomputation's logits are from the streamed ones.
    public struct Drift: Sendable {
        public let maxAbsolute: Float
        /// `maxAbsolute` over the largest |logit| the stream produced in the window.
        public let relative: Float
    }

    public struct MemorySample: Sendable {
        public let tokens: Int
        public let peakResidentBytes: Int
    }

    public struct Report: Sendable {
        /// Tokens streamed before the snapshot.
        public let streamedTokens: Int
        /// Seconds spent streaming them (prefill calls, no logits).
        public let streamSeconds: Double
        public var tokensPerSecond: Double { Double(streamedTokens) / streamSeconds }
        public let comparedTokens: Int
        /// Attention-cache rows the snapshot held.
        public let snapshotCacheRows: Int
        public let stateFileBytes: Int
        /// Whether the state read back from the file equals the in-memory copy exactly.
        public let fileRestoresCopyExactly: Bool
        public let maxAbsoluteLogit: Float
        public let allLogitsFinite: Bool
        public let oneCall: Drift
        public let tokenByToken: Drift
        public let memory: [MemorySample]
        /// Peak RSS at the end, after the comparisons (which hold the window's logits three times).
        public let finalPeakResidentBytes: Int
    }

    /// Streams, snapshots through `stateFile` (created, then left for the caller to remove), and
    /// compares. `progress` receives the number of tokens streamed so far after every call.
    public func run(stateFile: String, progress: (Int) -> Void = { _ in }) throws -> Report {
        guard comparedTokens >= 1, tokens >= 1, snapshotDelay >= 0 else {
            throw Failure.invalidLengths(tokens: tokens, snapshotDelay: snapshotDelay, compared: comparedTokens)
        }
        let model = try MegalodonModel(config: config, weights: RandomMegalodonWeights(config: config, seed: weightSeed))
        var generator = SplitMix64(seed: tokenSeed)
        func nextTokens(_ count: Int) -> [Int] { (0..<count).map { _ in Int.random(in: 0..<config.vocabSize, using: &generator) } }

        var state = model.makeState()
        var memory: [MemorySample] = []
        var pendingCheckpoints = memoryCheckpoints.filter { $0 <= tokens }.sorted()[...]
        func sampleMemory() {
            while let next = pendingCheckpoints.first, state.position >= next {
                memory.append(MemorySample(tokens: next, peakResidentBytes: PeakMemory.bytes))
                pendingCheckpoints.removeFirst()
            }
        }

        let snapshotAt = tokens + snapshotDelay
        let streamSeconds = try Timing.seconds {
            while state.position < snapshotAt {
                // Each call fills the current chunk, so calls line up with attention chunks.
                let room = config.chunkSize - state.position % config.chunkSize
                _ = try model.forward(nextTokens(min(room, snapshotAt - state.position)), state: &state, positions: .none)
                sampleMemory()
                progress(state.position)
            }
        }.seconds

        let copy = state
        try model.saveState(state, to: stateFile, overwrite: true)
        let stateFileBytes = (try? FileManager.default.attributesOfItem(atPath: stateFile)[.size] as? Int) ?? 0
        let restored = try model.loadState(from: stateFile)

        let window = nextTokens(comparedTokens)
        let streamed = try model.forward(window, state: &state, positions: .all).values

        var oneCallState = restored
        let oneCall = try model.forward(window, state: &oneCallState, positions: .all).values
        var stepState = restored
        var stepped: [Float] = []
        stepped.reserveCapacity(streamed.count)
        for token in window { stepped += try model.forward([token], state: &stepState, positions: .all).values }

        let scale = streamed.reduce(0) { max($0, abs($1)) }
        func drift(_ other: [Float]) -> Drift {
            let worst = zip(streamed, other).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            return Drift(maxAbsolute: worst, relative: scale > 0 ? worst / scale : worst)
        }
        return Report(
            streamedTokens: snapshotAt, streamSeconds: streamSeconds, comparedTokens: comparedTokens,
            snapshotCacheRows: copy.layers.first?.attention.count ?? 0, stateFileBytes: stateFileBytes,
            fileRestoresCopyExactly: restored == copy, maxAbsoluteLogit: scale,
            allLogitsFinite: (streamed + oneCall + stepped).allSatisfy(\.isFinite),
            oneCall: drift(oneCall), tokenByToken: drift(stepped), memory: memory,
            finalPeakResidentBytes: PeakMemory.bytes)
    }
}
