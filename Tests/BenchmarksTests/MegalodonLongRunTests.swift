import Checkpoints
import Foundation
import Models
import TestSupport
import Testing

@testable import Benchmarks

/// The benchmark's long-run check on a tiny model: after 39½ chunks streamed one chunk per call, a
/// state snapshotted mid-chunk and restored through the state file recomputes the stream's logits.
@Suite("MEGALODON long run")
struct MegalodonLongRunTests {
    /// Two layers, chunks of 16 tokens: small enough to stream 40 chunks in a test.
    static var smallConfig: MegalodonConfig { TinyMegalodon.config() }

    @Test("40 chunks: one-call and token-by-token recomputation from the restored state equal the stream within 1e-4 relative")
    func recomputationMatchesStream() throws {
        let config = Self.smallConfig
        var longRun = MegalodonLongRun(config: config, tokens: 39 * config.chunkSize)
        longRun.memoryCheckpoints = [64, 624, 1000]
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var progress: [Int] = []
        let report = try longRun.run(stateFile: folder.appendingPathComponent("state.safetensors").path) { progress.append($0) }

        #expect(report.streamedTokens == 632)
        #expect(report.comparedTokens == 16)
        #expect(report.snapshotCacheRows == 8)
        #expect(report.fileRestoresCopyExactly)
        #expect(report.allLogitsFinite)
        #expect(report.maxAbsoluteLogit > 0)
        #expect(report.oneCall.maxAbsolute == 0, "one call from an exactly restored state repeats the stream's arithmetic")
        #expect(report.tokenByToken.relative <= 1e-4)
        #expect(report.memory.map(\.tokens) == [64, 624])
        // Calls fill one chunk each, then half a chunk up to the snapshot.
        #expect(progress == Array(stride(from: 16, through: 624, by: 16)) + [632])
    }

    @Test("an empty stream is refused")
    func refusesEmptyStreams() {
        let longRun = MegalodonLongRun(config: Self.smallConfig, tokens: 0)
        #expect(throws: MegalodonLongRun.Failure.self) { try longRun.run(stateFile: "/nonexistent/state.safetensors") }
    }
}
