/// The byte geometry of a quantized matrix, derived from its scheme and shape alone.
///
/// Rows are always a whole number of 32-value blocks: ggml types require it (k-quants whole 256-value
/// super-blocks), grouped schemes pad
/// each row with zero codes up to the next multiple of 32 (the kernels read activations in blocks of
/// 32 and the padding multiplies zero activations).
public struct QuantizedLayout: Hashable, Sendable {
    public static let blockValues = 32

    public let scheme: QuantizationScheme
    public let rows: Int
    public let columns: Int

    public init(scheme: QuantizationScheme, rows: Int, columns: Int) {
        self.scheme = scheme
        self.rows = rows
        self.columns = columns
    }

    /// Each dimension below 2^31 and at most 2^48 values: every byte count below then fits in an Int
    /// with room to spare (the largest real matrices hold about 2^30 values).
    public static let maximumDimension = Int(Int32.max)
    public static let maximumValues = 1 << 48

    /// A layout for a shape read from a file: refuses negative or oversized dimensions
    /// (`QuantizationError.shapeTooLarge`) before any byte count is computed from them.
    public init(validating scheme: QuantizationScheme, rows: Int, columns: Int, tensor: String) throws {
        let (values, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard (0...Self.maximumDimension).contains(rows), (0...Self.maximumDimension).contains(columns),
            !overflow, values <= Self.maximumValues
        else {
            throw QuantizationError.shapeTooLarge(tensor: tensor, shape: [rows, columns])
        }
        self.init(scheme: scheme, rows: rows, columns: columns)
    }

    /// Blocks of 32 values per row (the last one padded for grouped schemes).
    public var blocksPerRow: Int { (columns + Self.blockValues - 1) / Self.blockValues }

    /// Values per row after padding to whole blocks.
    public var paddedColumns: Int { blocksPerRow * Self.blockValues }

    /// Bytes from the start of one row of codes (or ggml blocks) to the next.
    public var rowBytes: Int {
        switch scheme {
        case .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl:
            return (paddedColumns / (scheme.ggmlBlockValues ?? Self.blockValues)) * (scheme.ggmlBlockBytes ?? 0)
        case let .grouped(grouped): return grouped.bits == .int8 ? paddedColumns : paddedColumns / 2
        }
    }

    public var codeBytes: Int { rows * rowBytes }

    /// Values per scale group (grouped schemes; 32 for ggml blocks, the k-quants' blocks of 32 in their super-blocks).
    public var groupSize: Int {
        if case let .grouped(grouped) = scheme { return grouped.groupSize(columns: columns) }
        return Self.blockValues
    }

    /// Groups per row, the last possibly shorter (grouped schemes; blocks for ggml types).
    public var groupsPerRow: Int { columns == 0 ? 0 : (columns + groupSize - 1) / groupSize }

    /// Bytes of the separate scale array (0 for ggml types, whose scales live inside the blocks).
    public var scaleBytes: Int {
        guard case let .grouped(grouped) = scheme else { return 0 }
        return rows * groupsPerRow * grouped.scaleType.byteCount
    }

    /// Bytes of the separate bias array (asymmetric grouped schemes only).
    public var biasBytes: Int {
        guard case let .grouped(grouped) = scheme, !grouped.symmetric else { return 0 }
        return scaleBytes
    }
}
