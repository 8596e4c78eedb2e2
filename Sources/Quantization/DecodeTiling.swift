import CQuantKernels
import Foundation
import Tensors

/// How many weight rows the one-row (decode) kernels read together: one weight stream at a time, or
/// four sharing each activation load (`qk_decode_tile_rows`). Which streams faster depends on the
/// CPU's prefetchers, not on its instruction set: on AMD Zen 4 (AVX-512) 8-bit panels streamed 10 GB/s
/// four rows at a time and 18–21 GB/s one at a time, while the tile of four was chosen on Zen 5. So
/// each (variant, tile class) is timed both ways on this CPU the first time a matrix of that class is
/// prepared for decode, over 40 MB of synthetic weights (more than the last-level cache of the machines
/// measured), in five back-to-back pairs, and the tile faster in most pairs is kept.
/// Results do not depend on the tile (each row is summed in the same order either way).
///
/// `MEGALODON_DECODE_TILES`: `measure` (default), `fixed` (each variant's built-in choice, no timing),
/// `1` or `4` (every class, to compare).
public enum DecodeTiling {
    /// The kernels' tile classes (`qk_tile_class`): f32 rows under 4 KB are short, panel rows of at
    /// most 512 bytes.
    public enum TileClass: Int32, CaseIterable, Sendable, CustomStringConvertible {
        case f32Short = 0
        case f32Long
        case eightBitShort
        case eightBitLong
        case fourBitShort
        case fourBitLong

        public var description: String {
            ["f32 short", "f32 long", "8-bit short", "8-bit long", "4-bit short", "4-bit long"][Int(rawValue)]
        }

        /// The class of an f32 matrix with `columns` columns.
        public init(floatColumns columns: Int) { self = TileClass(rawValue: qk_f32_tile_class(columns)) ?? .f32Long }
    }

    /// What was settled for one class: the rows per tile and, when timed, seconds per pass each way.
    public struct Choice: Sendable, CustomStringConvertible {
        public let rows: Int
        /// Seconds per pass in each paired round, one row and four rows at a time (empty when fixed).
        public let oneRowRounds: [Double]
        public let fourRowRounds: [Double]

        init(rows: Int, oneRowRounds: [Double] = [], fourRowRounds: [Double] = []) {
            (self.rows, self.oneRowRounds, self.fourRowRounds) = (rows, oneRowRounds, fourRowRounds)
        }

        public var description: String {
            guard let oneRow = oneRowRounds.min(), let fourRows = fourRowRounds.min() else { return "\(rows) (fixed)" }
            return String(format: "%d (best pass: 1 row %.2f ms, 4 rows %.2f ms)", rows, oneRow * 1e3, fourRows * 1e3)
        }
    }

    /// Settles `tileClass` for `variant`: the first call times both tiles (tens of milliseconds), later
    /// ones return at once. Call before a matrix of that class is first multiplied.
    public static func settle(_ tileClass: TileClass, variant: KernelVariant) {
        guard qk_decode_tile_settled(variant.rawValue, tileClass.rawValue) == 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        guard qk_decode_tile_settled(variant.rawValue, tileClass.rawValue) == 0 else { return }
        let choice = decide(tileClass, variant: variant)
        qk_set_decode_tile_rows(variant.rawValue, tileClass.rawValue, Int32(choice.rows))
        qk_settle_decode_tile(variant.rawValue, tileClass.rawValue)
        choices[Key(variant: variant, tileClass: tileClass)] = choice
    }

    /// The classes settled so far for `variant`, one per line part, e.g. for a benchmark's report:
    /// "8-bit long 1 (1 row 2.03 ms, 4 rows 3.97 ms); 4-bit short 4 (…)".
    public static func summary(variant: KernelVariant = .preferred) -> String {
        lock.lock()
        defer { lock.unlock() }
        let settled = TileClass.allCases.compactMap { tileClass in
            choices[Key(variant: variant, tileClass: tileClass)].map { "\(tileClass) \($0)" }
        }
        return settled.isEmpty ? "none settled" : settled.joined(separator: "; ")
    }

    /// Runs `body` with `tileClass` of `variant` read `rows` at a time, then restores the tile (tests
    /// compare the two tiles); measurement of other classes waits meanwhile.
    static func withTile<Result>(
        _ rows: Int, _ tileClass: TileClass, variant: KernelVariant, _ body: () throws -> Result
    ) rethrows -> Result {
        settle(tileClass, variant: variant)
        lock.lock()
        defer { lock.unlock() }
        let saved = qk_decode_tile_rows(variant.rawValue, tileClass.rawValue)
        qk_set_decode_tile_rows(variant.rawValue, tileClass.rawValue, Int32(rows))
        defer { qk_set_decode_tile_rows(variant.rawValue, tileClass.rawValue, saved) }
        return try body()
    }

    /// What `settle` chose for a class, if it has run in this process.
    static func choice(_ tileClass: TileClass, variant: KernelVariant) -> Choice? {
        lock.lock()
        defer { lock.unlock() }
        return choices[Key(variant: variant, tileClass: tileClass)]
    }

    private struct Key: Hashable {
        let variant: KernelVariant
        let tileClass: TileClass
    }

    // Recursive: a body run by `withTile` may settle another class.
    private static let lock = NSRecursiveLock()
    nonisolated(unsafe) private static var choices: [Key: Choice] = [:]

    private static func decide(_ tileClass: TileClass, variant: KernelVariant) -> Choice {
        let builtIn = Int(qk_decode_tile_rows(variant.rawValue, tileClass.rawValue))
        switch ProcessInfo.processInfo.environment["MEGALODON_DECODE_TILES"] {
        case "1": return Choice(rows: 1)
        case "4": return Choice(rows: 4)
        case "fixed": return Choice(rows: builtIn)
        default: break
        }
        guard variant != .portable, let pass = workload(tileClass, variant: variant) else {
            return Choice(rows: builtIn)
        }
        func timed(_ rows: Int) -> Double {
            qk_set_decode_tile_rows(variant.rawValue, tileClass.rawValue, Int32(rows))
            let start = DispatchTime.now().uptimeNanoseconds
            pass()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        _ = timed(1)  // faults in and warms both code paths
        _ = timed(4)
        var one: [Double] = []
        var four: [Double] = []
        for _ in 0..<rounds {
            one.append(timed(1))
            four.append(timed(4))
        }
        return Choice(rows: preferredRows(oneRow: one, fourRows: four), oneRowRounds: one, fourRowRounds: four)
    }

    /// The tile faster in most paired rounds. Each round times the two back to back, so a busy
    /// neighbour slows both alike. A margin rule (keep the built-in tile unless the other is 7% faster
    /// at its best) kept four rows for Zen 4's short 4-bit rows, where one row was 5-16% faster in
    /// nearly every round and decoded SmolLM2-135M Q4_0 13% faster in the model.
    static func preferredRows(oneRow: [Double], fourRows: [Double]) -> Int {
        let oneRowWins = zip(oneRow, fourRows).filter { $0 < $1 }.count
        return 2 * oneRowWins > min(oneRow.count, fourRows.count) ? 1 : 4
    }

    /// Paired rounds a class is timed for (about 2 ms a pass): odd, so that one tile wins most.
    private static let rounds = 5

    /// Weights streamed per timed pass.
    private static let workingSetBytes = 40 << 20

    /// Bytes of weights per kernel call within a pass: the pass is cut into calls the size of a small
    /// model's matrices (SmolLM2's are 62–500 KB), since each call starts its streams cold, as decode's
    /// calls do.
    private static let callBytes = 256 << 10

    /// Row ranges of one pass: `rows` rows of `rowBytes` bytes in calls of about `callBytes`.
    private static func calls(rows: Int, rowBytes: Int) -> [Range<Int>] {
        let step = max(4, callBytes / max(rowBytes, 1))
        return stride(from: 0, to: rows, by: step).map { $0..<min(rows, $0 + step) }
    }

    /// One pass of the class's kernel over synthetic weights of that class (nil when `variant` has no
    /// such kernel). The weights' values do not matter to the integer and float kernels' speed.
    private static func workload(_ tileClass: TileClass, variant: KernelVariant) -> (() -> Void)? {
        switch tileClass {
        case .f32Short, .f32Long:
            guard FloatMatrixVector.hasKernel(variant) else { return nil }
            let columns = tileClass == .f32Short ? 576 : 1024
            let rows = workingSetBytes / (columns * 4)
            let weights = HugePageMemory(count: rows * columns * 4) { base in
                UnsafeMutableRawPointer(base).initializeMemory(as: Float.self, repeating: 0.01, count: rows * columns)
            }
            let x = [Float](repeating: 0.5, count: columns)
            var y = [Float](repeating: 0, count: rows)
            let ranges = calls(rows: rows, rowBytes: columns * 4)
            return {
                let w = weights.bytes.baseAddress!.assumingMemoryBound(to: Float.self)
                for range in ranges { _ = qk_f32_matvec(variant.rawValue, w, columns, x, range.lowerBound, range.upperBound, &y) }
            }
        case .eightBitShort, .eightBitLong, .fourBitShort, .fourBitLong:
            let eightBit = tileClass == .eightBitShort || tileClass == .eightBitLong
            let short = tileClass == .eightBitShort || tileClass == .fourBitShort
            // Panel rows: q8_0 448 columns 476 bytes, 1024 columns 1,088; q4_0 576 columns 324 bytes, 1024 columns 576.
            let columns = short ? (eightBit ? 448 : 576) : 1024
            let scheme: QuantizationScheme = eightBit ? .q8_0 : .q4_0
            let storedRowBytes = QuantizedLayout(scheme: scheme, rows: 1, columns: columns).codeBytes
            let rows = workingSetBytes / storedRowBytes
            let layout = QuantizedLayout(scheme: scheme, rows: rows, columns: columns)
            // 0x11 everywhere: small normal half scales, codes of 17 (or nibbles of 1).
            let codes = Storage(count: layout.codeBytes) { $0.initializeMemory(as: UInt8.self, repeating: 0x11) }
            guard let matrix = try? QuantizedMatrix(scheme: scheme, rows: rows, columns: columns, codes: codes),
                let panels = DecodePanels(packing: matrix, variant: variant)
            else { return nil }
            var descriptor = QuantizedLinear.kernelMatrix(matrix, matrix.layout)
            descriptor.panels = panels.storage.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
            descriptor.panel_row_bytes = panels.rowBytes
            guard withUnsafePointer(to: descriptor, { qk_panel_tile_class_of($0) }) == tileClass.rawValue else { return nil }
            let activations = QuantizedActivations([Float](repeating: 0.5, count: columns), rows: 1, columns: columns)
            var y = [Float](repeating: 0, count: rows)
            let ranges = calls(rows: rows, rowBytes: panels.rowBytes)
            return {
                withExtendedLifetime((matrix, panels)) {
                    activations.codes.withUnsafeBufferPointer { codes in
                        activations.scales.withUnsafeBufferPointer { scales in
                            activations.scaledSums.withUnsafeBufferPointer { sums in
                                var inputs = qk_activations(
                                    rows: 1, blocksPerRow: activations.blocksPerRow, codes: codes.baseAddress,
                                    scales: scales.baseAddress, scaledSums: sums.baseAddress)
                                for range in ranges {
                                    qk_matmul(variant.rawValue, &descriptor, &inputs, range.lowerBound, range.upperBound, &y, rows)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
