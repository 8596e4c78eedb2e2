import CQuantKernels
import Tensors

/// How an attention cache stores its keys and values. f32 keeps them as computed (the exact
/// reference); f16 halves the bytes a decode step reads back from a long cache, which at a few
/// thousand positions outweigh a small model's weights, and is what llama.cpp keeps by default.
public enum KeyValuePrecision: String, Sendable, CaseIterable, Codable {
    case f32, f16
}

/// Keys (after RoPE) and values an attention layer has cached, row-major `[count, key width]` and
/// `[count, value width]`. MEGALODON keeps only the current, unfinished chunk (emptied as soon as a
/// chunk is complete); Llama keeps every position seen. An f32 cache holds `keys`/`values`, an f16
/// cache `halfKeys`/`halfValues` (IEEE binary16 bits, rounded to nearest even); the others stay empty.
public struct ChunkKVCache: Sendable, Equatable {
    public var keys: [Float]
    public var values: [Float]
    public var halfKeys: [UInt16] = []
    public var halfValues: [UInt16] = []
    public var count: Int
    public private(set) var precision: KeyValuePrecision = .f32

    public init(keys: [Float] = [], values: [Float] = [], count: Int = 0) {
        self.keys = keys
        self.values = values
        self.count = count
    }

    /// An empty cache of `precision`.
    public init(precision: KeyValuePrecision) {
        self.init()
        self.precision = precision
    }

    /// An f16 cache of `count` rows.
    public init(halfKeys: [UInt16], halfValues: [UInt16], count: Int) {
        self.init(precision: .f16)
        (self.halfKeys, self.halfValues, self.count) = (halfKeys, halfValues, count)
    }

    /// Stored key and value elements, whichever the precision.
    var storedElements: (keys: Int, values: Int) {
        precision == .f16 ? (halfKeys.count, halfValues.count) : (keys.count, values.count)
    }

    /// Appends `rows` rows of keys and values, narrowed to f16 in an f16 cache.
    mutating func append(keys newKeys: UnsafeBufferPointer<Float>, values newValues: UnsafeBufferPointer<Float>, rows: Int) {
        switch precision {
        case .f32:
            keys.append(contentsOf: newKeys)
            values.append(contentsOf: newValues)
        case .f16:
            Self.appendNarrowed(newKeys, to: &halfKeys)
            Self.appendNarrowed(newValues, to: &halfValues)
        }
        count += rows
    }

    private static func appendNarrowed(_ source: UnsafeBufferPointer<Float>, to target: inout [UInt16]) {
        let start = target.count
        target.append(contentsOf: repeatElement(0, count: source.count))
        target.withUnsafeMutableBufferPointer { buffer in
            guard let from = source.baseAddress, let to = buffer.baseAddress else { return }
            ThreadPool.shared.parallelFor(source.count, minimumChunk: conversionsPerPart) { part in
                rk_narrow_half(from + part.lowerBound, to + start + part.lowerBound, part.count)
            }
        }
    }

    /// Values a thread converts before a split pays for the hand-off: a decode step's row stays on
    /// the calling thread.
    private static let conversionsPerPart = 1 << 16

    /// The stored rows as the decode kernels read them: f32, or f16 bits when `half`.
    @discardableResult
    func withStoredRows<Result>(_ body: (_ keys: UnsafeRawPointer, _ values: UnsafeRawPointer, _ half: Bool) -> Result) -> Result? {
        precision == .f16
            ? Self.withBytes(of: halfKeys, halfValues) { body($0, $1, true) } : Self.withBytes(of: keys, values) { body($0, $1, false) }
    }

    /// The rows as f32: in place for an f32 cache, widened into a temporary copy for an f16 one
    /// (several-row calls multiply them with BLAS).
    @discardableResult
    func withFloatRows<Result>(_ body: (_ keys: UnsafePointer<Float>, _ values: UnsafePointer<Float>) -> Result) -> Result? {
        let (floatKeys, floatValues) = precision == .f16 ? (Self.widened(halfKeys), Self.widened(halfValues)) : (keys, values)
        return Self.withBytes(of: floatKeys, floatValues) {
            body($0.assumingMemoryBound(to: Float.self), $1.assumingMemoryBound(to: Float.self))
        }
    }

    /// `body` on the first bytes of `a` and `b`, or nil when either is empty.
    private static func withBytes<A, B, Result>(
        of a: [A], _ b: [B], _ body: (UnsafeRawPointer, UnsafeRawPointer) -> Result
    ) -> Result? {
        a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in
                guard let a = a.baseAddress, let b = b.baseAddress else { return nil }
                return body(a, b)
            }
        }
    }

    /// A several-row call re-widens the whole cache (per layer), so the widening runs on the pool.
    static func widened(_ halves: [UInt16]) -> [Float] {
        [Float](unsafeUninitializedCapacity: halves.count) { target, initialized in
            halves.withUnsafeBufferPointer { source in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                ThreadPool.shared.parallelFor(source.count, minimumChunk: conversionsPerPart) { part in
                    rk_widen_half(from + part.lowerBound, to + part.lowerBound, part.count)
                }
            }
            initialized = halves.count
        }
    }
}
