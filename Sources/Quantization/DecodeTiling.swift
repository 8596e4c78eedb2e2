import CQuantKernels
import Foundation
import Tensors

/// How many weight rows the one-row (decode) kernels read together: one weight stream at a time, or
/// four sharing each activation load (`qk_decode_tile_rows`). Which streams faster depends on the
/// CPU's prefetchers, not on its instruction set: on AMD Zen 4 (AVX-512) 8-bit panels streamed 10 GB/s
/// four rows at a time and 18–21 GB/s one at a time, while the tile of four was chosen on Zen 5. So
/// each (variant, tile class) is timed both ways on this CPU the first time a matrix of that class is
/// prepared for decode, over synthetic weights twice the last-level cache with rows as long as
/// that matrix's, in five back-to-back pairs, and the tile with the faster best pass is kept.
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
        /// Inputs per row of the timed weights (0 when fixed).
        public let columns: Int
        /// Seconds per pass in each paired round, one row and four rows at a time (empty when fixed).
        public let oneRowRounds: [Double]
        public let fourRowRounds: [Double]

        init(rows: Int, columns: Int = 0, oneRowRounds: [Double] = [], fourRowRounds: [Double] = []) {
            (self.rows, self.columns, self.oneRowRounds, self.fourRowRounds) = (rows, columns, oneRowRounds, fourRowRounds)
        }

        public var description: String {
            guard let oneRow = oneRowRounds.min(), let fourRows = fourRowRounds.min() else { return "\(rows) (fixed)" }
            return String(
                format: "%d (rows of %d columns, best pass: 1 row %.2f ms, 4 rows %.2f ms)", rows, columns, oneRow * 1e3, fourRows * 1e3)
        }
    }

    /// Settles `tileClass` for `variant`: the first call times both tiles (tens of milliseconds) over
    /// rows of `columns` inputs (the matrix about to be multiplied; nil: a typical row of the class),
    /// later ones return at once. Call before a matrix of that class is first multiplied.
    /// Row length matters within a class: 4-bit panel rows of 1,024 columns timed alike both ways on
    /// Zen 5, rows of 1,536, 4,096 or 11,008 columns 10–25% faster one at a time in every round.
    public static func settle(_ tileClass: TileClass, variant: KernelVariant, columns: Int? = nil) {
        guard qk_decode_tile_settled(variant.rawValue, tileClass.rawValue) == 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        guard qk_decode_tile_settled(variant.rawValue, tileClass.rawValue) == 0 else { return }
        let choice = decide(tileClass, variant: variant, columns: columns)
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

    private static func decide(_ tileClass: TileClass, variant: KernelVariant, columns: Int?) -> Choice {
        let builtIn = Int(qk_decode_tile_rows(variant.rawValue, tileClass.rawValue))
        switch ProcessInfo.processInfo.environment["MEGALODON_DECODE_TILES"] {
        case "1": return Choice(rows: 1)
        case "4": return Choice(rows: 4)
        case "fixed": return Choice(rows: builtIn)
        default: break
        }
        // Rows of the given length that fall in another class as q4_0/q8_0 (grouped panels differ in
        // bytes per row) are timed at the class's typical length instead.
        guard variant != .portable,
            let (pass, timedColumns) = workload(tileClass, variant: variant, columns: columns)
                ?? workload(tileClass, variant: variant, columns: nil)
        else {
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
        for round in 0..<rounds {
            // Alternating which goes first, so that neither always follows the other's streams.
            if round % 2 == 0 {
                one.append(timed(1))
                four.append(timed(4))
            } else {
                four.append(timed(4))
                one.append(timed(1))
            }
        }
        return Choice(
            rows: preferredRows(oneRow: one, fourRows: four), columns: timedColumns, oneRowRounds: one, fourRowRounds: four)
    }

    /// The tile with the faster best pass. A neighbour on the host only ever adds time, so each tile's
    /// fastest pass is its least disturbed one. Counting paired rounds won instead kept four rows for
    /// SmolLM2's 1,536-column 4-bit rows on Zen 5 once when one row's best pass was 18% faster (4.20
    /// against 5.15 ms): a burst of slow memory had fallen on three of its five passes. A margin rule
    /// (keep the built-in tile unless the other is 7% faster at its best) kept four rows for Zen 4's
    /// short 4-bit rows, where one row was 5-16% faster and decoded SmolLM2-135M Q4_0 13% faster.
    static func preferredRows(oneRow: [Double], fourRows: [Double]) -> Int {
        guard let oneRowBest = oneRow.min(), let fourRowsBest = fourRows.min() else { return 4 }
        return oneRowBest < fourRowsBest ? 1 : 4
    }

    /// Paired rounds a class is timed for (a few ms a pass over the working set).
    private static let rounds = 5

    /// Weights streamed per timed pass: twice the last-level cache (at least 64 MB), so that passes
    /// stream from memory as decode does. With 40 MB and 1,024-column rows both tiles of 4-bit long rows
    /// timed within 5% on Zen 5 and the choice flipped between processes, while Llama-7B Q4_0 (rows of
    /// 4,096 and 11,008 columns) decoded 20–23% faster one row at a time (8.8–9.1 tok/s against 7.2–7.4
    /// with the tile forced, 1 thread). Over 64 MB of rows as long as the model's, one row's best pass
    /// was 6–14% faster for SmolLM2's 1,536-column rows in each of three processes; four times the
    /// cache chose alike and took 0.2–0.4 s longer to load.
    static let workingSetBytes = min(256 << 20, max(64 << 20, 2 * (lastLevelCacheBytes() ?? 32 << 20)))

    /// The largest cache sysfs describes for CPU 0 (`…/cache/indexN/size`, e.g. "32768K"), if any.
    static func lastLevelCacheBytes(root: String = "/sys/devices/system/cpu/cpu0/cache") -> Int? {
        let sizes = (0..<8).compactMap { index -> Int? in
            guard let text = try? String(contentsOfFile: "\(root)/index\(index)/size", encoding: .utf8) else { return nil }
            return cacheBytes(text)
        }
        return sizes.max()
    }

    /// "32768K", "1M" or "512" as bytes; nil for anything else.
    static func cacheBytes(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        let unit = trimmed.last.flatMap { units[$0] } ?? 1
        let digits = unit == 1 ? trimmed : String(trimmed.dropLast())
        guard let value = Int(digits), value > 0, value <= Int.max / unit else { return nil }
        return value * unit
    }

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
    /// The pass comes with the columns its rows have (`columns` when that is a row of this class).
    private static func workload(_ tileClass: TileClass, variant: KernelVariant, columns: Int?) -> (pass: () -> Void, columns: Int)? {
        switch tileClass {
        case .f32Short, .f32Long:
            guard FloatMatrixVector.hasKernel(variant) else { return nil }
            let columns = max(1, columns ?? (tileClass == .f32Short ? 576 : 1024))
            let rows = workingSetBytes / (columns * 4)
            let weights = HugePageMemory(count: rows * columns * 4) { base in
                UnsafeMutableRawPointer(base).initializeMemory(as: Float.self, repeating: 0.01, count: rows * columns)
            }
            let x = [Float](repeating: 0.5, count: columns)
            var y = [Float](repeating: 0, count: rows)
            let ranges = calls(rows: rows, rowBytes: columns * 4)
            let pass = {
                let w = weights.bytes.baseAddress!.assumingMemoryBound(to: Float.self)
                for range in ranges { _ = qk_f32_matvec(variant.rawValue, w, columns, x, range.lowerBound, range.upperBound, &y) }
            }
            return (pass, columns)
        case .eightBitShort, .eightBitLong, .fourBitShort, .fourBitLong:
            let eightBit = tileClass == .eightBitShort || tileClass == .eightBitLong
            let short = tileClass == .eightBitShort || tileClass == .fourBitShort
            // Panel rows: q8_0 448 columns 476 bytes, 1024 columns 1,088; q4_0 576 columns 324 bytes, 1024 columns 576.
            // Whole blocks of 32 (a grouped matrix's rows may end in a partial one).
            let columns = ((columns ?? (short ? (eightBit ? 448 : 576) : 1024)) + 31) / 32 * 32
            let scheme: QuantizationScheme = eightBit ? .q8_0 : .q4_0
            let storedRowBytes = QuantizedLayout(scheme: scheme, rows: 1, columns: columns).codeBytes
            let rows = workingSetBytes / storedRowBytes
            let layout = QuantizedLayout(scheme: scheme, rows: rows, columns: columns)
            // 0x11 everywhere: small normal half scales, codes of 17 (or nibbles of 1).
            let codes = Storage(count: layout.codeBytes) { $0.initializeMemory(as: UInt8.self, repeating: 0x11) }
            guard let matrix = try? QuantizedMatrix(scheme: scheme, rows: rows, columns: columns, codes: codes),
                let panels = DecodePanels(packing: matrix, variant: variant)
            else { return nil }
            var descriptor = QuantizedLinear.kernelMatrix(matrix, panels: panels)
            guard withUnsafePointer(to: descriptor, { qk_panel_tile_class_of($0) }) == tileClass.rawValue else { return nil }
            let activations = QuantizedActivations([Float](repeating: 0.5, count: columns), rows: 1, columns: columns)
            var y = [Float](repeating: 0, count: rows)
            let ranges = calls(rows: rows, rowBytes: panels.rowBytes)
            let pass = {
                withExtendedLifetime((matrix, panels)) {
                    activations.withKernelInputs { inputs in
                        for range in ranges {
                            qk_matmul(variant.rawValue, &descriptor, &inputs, range.lowerBound, range.upperBound, &y, rows)
                        }
                    }
                }
            }
            return (pass, columns)
        }
    }
}
