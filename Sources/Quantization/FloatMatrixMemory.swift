import Foundation
import Tensors

/// Where f32 weight matrices live for decode. The one-row f32 kernel streams every weight once per
/// token; inside a file mapping (4 KiB pages) the hardware prefetchers stop at each page boundary, so
/// f32 matrices read in place from a mapped model are copied once, at load, into 2 MiB huge pages
/// (`HugePageMemory`): SmolLM2-135M f32 decode measured 1.10–1.24× the weight stream rate of the
/// mapping on Zen 5 (BENCHMARKS.md). Copies stop at a quarter of physical memory, so large f32
/// models stay mapped (and never need twice their size in RAM); `MEGALODON_F32_WEIGHTS=mapped` keeps
/// every matrix in place (to measure the difference).
public enum FloatMatrixMemory {
    /// Whether copies are made at all here: the AVX-512 kernel reads them (elsewhere BLAS does).
    public static var copiesForDecode: Bool {
        FloatMatrixVector.isAvailable && ProcessInfo.processInfo.environment["MEGALODON_F32_WEIGHTS"] != "mapped"
    }

    /// `storage` itself when owned already (random or converted weights), when copies are off or the
    /// budget is spent; otherwise its huge-page copy.
    public static func forDecode(_ storage: Storage) -> Storage {
        guard storage.isMapped, copiesForDecode, budget.claim(storage.bytes.count) else { return storage }
        return Storage(hugePageCopyOf: storage.bytes)
    }

    private static let budget = Budget(bytes: Int(ProcessInfo.processInfo.physicalMemory / 4))

    /// Bytes that may still be copied, process-wide (models loaded one after another share it; freed
    /// models do not give it back, which only errs towards leaving weights mapped).
    private final class Budget: @unchecked Sendable {
        private let lock = NSLock()
        private var left: Int

        init(bytes: Int) { left = bytes }

        func claim(_ count: Int) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard count <= left else { return false }
            left -= count
            return true
        }
    }
}
