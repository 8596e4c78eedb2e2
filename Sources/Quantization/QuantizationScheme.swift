import Checkpoints

/// How the values of a quantized matrix are stored: one of llama.cpp's block types (bit-compatible
/// with GGUF files) or one of our grouped int8/int4 schemes.
///
/// Text spellings (used on the command line, in safetensors metadata and in config.json):
/// `q8_0`, `q4_0`, `q4_1`, and `int8|int4 - g32|g64|g128|row - sym|asym - f16|f32`, e.g.
/// `int4-g64-asym-f16`. The last two parts may be left out: int8 defaults to `sym`, int4 to `asym`,
/// scales to `f16`. `q5_0`, `q5_1`, the k-quants (`q2_K`, `q3_K`, `q4_K`, `q5_K`, `q6_K`) and `iq4_nl` are
/// read from GGUF files and computed with as stored, but we do not quantize to them, so they have no
/// text spelling to parse.
public enum QuantizationScheme: Hashable, Sendable, CustomStringConvertible {
    /// ggml block_q8_0: 32 int8 values and one f16 scale (8.5 bits per weight).
    case q8_0
    /// ggml block_q4_0: 32 4-bit values and one f16 scale; w = d·(q − 8) (4.5 bits per weight).
    case q4_0
    /// ggml block_q4_1: 32 4-bit values, f16 scale and f16 minimum; w = d·q + m (5 bits per weight).
    case q4_1
    /// ggml block_q5_0: 32 5-bit values and one f16 scale; w = d·(q − 16) (5.5 bits per weight).
    case q5_0
    /// ggml block_q5_1: 32 5-bit values, f16 scale and f16 minimum; w = d·q + m (6 bits per weight).
    case q5_1
    /// ggml block_q4_K: 256 values, f16 d and dmin, 6-bit scales and minima per 32; w = d·sc·q − dmin·m (4.5 bits).
    case q4_K
    /// ggml block_q5_K: block_q4_K with a fifth code bit (5.5 bits per weight).
    case q5_K
    /// ggml block_q6_K: 256 values, 6-bit codes, int8 scales per 16, f16 d; w = d·sc·(q − 32) (6.5625 bits).
    case q6_K
    /// ggml block_q2_K: 256 values, 2-bit codes, 4-bit scales and minima per 16, f16 d and dmin;
    /// w = d·sc·q − dmin·m (2.625 bits per weight).
    case q2_K
    /// ggml block_q3_K: 256 values, 3-bit codes, 6-bit scales per 16, f16 d; w = d·(sc − 32)·(q − 4) (3.4375 bits).
    case q3_K
    /// ggml block_iq4_nl: 32 4-bit indices into a fixed non-linear grid and one f16 scale; w = d·grid[q]
    /// (4.5 bits per weight). llama.cpp stores Q2_K/Q3_K matrices whose rows are not whole 256-value
    /// super-blocks this way.
    case iq4_nl
    /// Codes in one array, scales (and biases) per group in separate arrays.
    case grouped(GroupedScheme)

    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "q8_0": self = .q8_0
        case "q4_0": self = .q4_0
        case "q4_1": self = .q4_1
        case let lower where Self.readOnlySchemes.contains { $0.description.lowercased() == lower }:
            throw QuantizationError.readOnlyScheme(text)
        default: self = .grouped(try GroupedScheme(parsing: text))
        }
    }

    public var description: String {
        switch self {
        case .q8_0: return "q8_0"
        case .q4_0: return "q4_0"
        case .q4_1: return "q4_1"
        case .q5_0: return "q5_0"
        case .q5_1: return "q5_1"
        case .q4_K: return "q4_K"
        case .q5_K: return "q5_K"
        case .q6_K: return "q6_K"
        case .q2_K: return "q2_K"
        case .q3_K: return "q3_K"
        case .iq4_nl: return "iq4_nl"
        case let .grouped(scheme): return scheme.description
        }
    }

    /// The ggml block type this scheme is, or nil for grouped schemes.
    public var ggmlType: GGMLType? {
        switch self {
        case .q8_0: return .q8_0
        case .q4_0: return .q4_0
        case .q4_1: return .q4_1
        case .q5_0: return .q5_0
        case .q5_1: return .q5_1
        case .q4_K: return .q4_K
        case .q5_K: return .q5_K
        case .q6_K: return .q6_K
        case .q2_K: return .q2_K
        case .q3_K: return .q3_K
        case .iq4_nl: return .iq4_nl
        case .grouped: return nil
        }
    }

    /// The scheme for a ggml block type our kernels compute with directly (Q8_0, Q4_0, Q4_1, Q5_0,
    /// Q5_1, Q2_K–Q6_K, IQ4_NL), else nil.
    public init?(ggmlType: GGMLType) {
        switch ggmlType {
        case .q8_0: self = .q8_0
        case .q4_0: self = .q4_0
        case .q4_1: self = .q4_1
        case .q5_0: self = .q5_0
        case .q5_1: self = .q5_1
        case .q4_K: self = .q4_K
        case .q5_K: self = .q5_K
        case .q6_K: self = .q6_K
        case .q2_K: self = .q2_K
        case .q3_K: self = .q3_K
        case .iq4_nl: self = .iq4_nl
        default: return nil
        }
    }

    /// Whether matrices of this scheme are only read (ggml's Q5_0, Q5_1, k-quants and IQ4_NL from GGUF
    /// files), never produced by our quantizer.
    public var isReadOnly: Bool { Self.readOnlySchemes.contains(self) }

    static let readOnlySchemes: [QuantizationScheme] = [.q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl]

    /// Values per ggml block, or nil for grouped schemes (which take any column count).
    public var ggmlBlockValues: Int? { ggmlType?.blockSize }

    /// Bytes per ggml block (f16 scale fields included), or nil for grouped schemes.
    public var ggmlBlockBytes: Int? { ggmlType?.blockByteCount }

    /// Storage cost per weight, scales included, for a row of `columns` values.
    public func bitsPerWeight(columns: Int) -> Double {
        guard columns > 0 else { return 0 }
        let layout = QuantizedLayout(scheme: self, rows: 1, columns: columns)
        return Double(8 * (layout.codeBytes + layout.scaleBytes + layout.biasBytes)) / Double(columns)
    }
}

/// Our own int8/int4 schemes: codes grouped along each row (the input dimension), one scale per group
/// and, for asymmetric schemes, one bias per group.
///
/// * int8 symmetric: int8 codes in [-127, 127], w = s·q, s = amax/127.
/// * int8 asymmetric: uint8 codes in [0, 255], w = s·q + b, s = (max − min)/255, b = min.
/// * int4 symmetric: 4-bit codes in [1, 15], w = s·(q − 8), s = amax/7.
/// * int4 asymmetric: 4-bit codes in [0, 15], w = s·q + b, s = (max − min)/15, b = min.
public struct GroupedScheme: Hashable, Sendable, CustomStringConvertible {
    public enum Bits: Int, Sendable, CaseIterable { case int8 = 8, int4 = 4 }

    public enum Grouping: Hashable, Sendable {
        /// Groups of 32, 64 or 128 consecutive values of a row.
        case size(Int)
        /// One group per row (int8 only).
        case row
    }

    public enum ScaleType: String, Sendable, CaseIterable {
        case f16, f32
        public var byteCount: Int { self == .f16 ? 2 : 4 }
    }

    public static let groupSizes = [32, 64, 128]

    public let bits: Bits
    public let grouping: Grouping
    public let symmetric: Bool
    public let scaleType: ScaleType

    public init(bits: Bits, grouping: Grouping, symmetric: Bool, scaleType: ScaleType = .f16) throws {
        switch grouping {
        case let .size(size):
            guard GroupedScheme.groupSizes.contains(size) else { throw QuantizationError.unsupportedGroupSize(size) }
        case .row:
            guard bits == .int8 else {
                throw QuantizationError.invalidScheme("int4 needs groups of 32, 64 or 128 values; per-row scales are for int8 only")
            }
        }
        self.bits = bits
        self.grouping = grouping
        self.symmetric = symmetric
        self.scaleType = scaleType
    }

    public init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: "-").map(String.init)
        guard (2...4).contains(parts.count) else { throw QuantizationError.invalidScheme(text) }
        guard let bits = ["int8": Bits.int8, "int4": Bits.int4][parts[0]] else { throw QuantizationError.invalidScheme(text) }
        let grouping: Grouping
        if parts[1] == "row" {
            grouping = .row
        } else if parts[1].hasPrefix("g"), let size = Int(parts[1].dropFirst()) {
            grouping = .size(size)
        } else {
            throw QuantizationError.invalidScheme(text)
        }
        var symmetric = bits == .int8
        var scaleType = ScaleType.f16
        for part in parts.dropFirst(2) {
            switch part {
            case "sym": symmetric = true
            case "asym": symmetric = false
            case "f16": scaleType = .f16
            case "f32": scaleType = .f32
            default: throw QuantizationError.invalidScheme(text)
            }
        }
        try self.init(bits: bits, grouping: grouping, symmetric: symmetric, scaleType: scaleType)
    }

    public var description: String {
        let group: String
        switch grouping {
        case let .size(size): group = "g\(size)"
        case .row: group = "row"
        }
        return "int\(bits.rawValue)-\(group)-\(symmetric ? "sym" : "asym")-\(scaleType.rawValue)"
    }

    /// Values per group for a row of `columns` values.
    public func groupSize(columns: Int) -> Int {
        switch grouping {
        case let .size(size): return size
        case .row: return max(columns, 1)
        }
    }

    /// The largest code magnitude a symmetric scheme uses (127 or 7), or the code range of an asymmetric one (255 or 15).
    var codeRange: Float {
        switch (bits, symmetric) {
        case (.int8, true): return 127
        case (.int8, false): return 255
        case (.int4, true): return 7
        case (.int4, false): return 15
        }
    }
}
