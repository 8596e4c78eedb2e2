import Tensors

/// Round-to-nearest quantization of one row into a grouped scheme's codes, scales and biases.
///
/// Stored f16 scales are rounded up and f16 biases down, so the stored grid still covers the whole
/// group, and codes are computed from the stored values: every value's error stays within half a
/// stored scale step, |w − x| ≤ s/2 (plus float rounding), and no value is clamped.
struct GroupedQuantizer {
    let scheme: GroupedScheme
    let layout: QuantizedLayout

    enum RowFailure: Error { case scaleOverflow }

    /// Writes row `row` of `values` (exactly `layout.columns` floats) into the three arrays.
    func quantizeRow(
        _ x: UnsafeBufferPointer<Float>, row: Int, codes: UnsafeMutableRawBufferPointer,
        scales: UnsafeMutableRawBufferPointer, biases: UnsafeMutableRawBufferPointer
    ) throws {
        let groupSize = layout.groupSize, columns = layout.columns
        let rowCodes = UnsafeMutableRawBufferPointer(rebasing: codes[row * layout.rowBytes..<(row + 1) * layout.rowBytes])
        // Codes are made one byte per value first (a loop without stores into shared bytes), then packed.
        // A plain allocation, not withUnsafeTemporaryAllocation: its typed rethrow of the throwing
        // body crashed the test process in Swift Testing's throw hook.
        let values = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: columns)
        defer { values.deallocate() }
        do {
            for group in 0..<layout.groupsPerRow {
                let start = group * groupSize, end = min(start + groupSize, columns)
                var lowest = Float.infinity, highest = -Float.infinity
                for v in x[start..<end] {
                    lowest = min(lowest, v)
                    highest = max(highest, v)
                }
                let slot = row * layout.groupsPerRow + group
                let scale: Float, bias: Float
                if scheme.symmetric {
                    scale = try store(max(abs(lowest), abs(highest)) / scheme.codeRange, in: scales, at: slot, rounding: .up)
                    bias = 0
                } else {
                    bias = try store(lowest, in: biases, at: slot, rounding: .down)
                    scale = try store((highest - bias) / scheme.codeRange, in: scales, at: slot, rounding: .up)
                }
                // A scale below 2⁻¹²⁸ has no finite inverse; its group is then all zero codes.
                let inverse: Float = scale != 0 && (1 / scale).isFinite ? 1 / scale : 0
                let lower: Float = scheme.symmetric ? -scheme.codeRange : 0
                // Stored codes: two's complement for int8 symmetric, +8 offset for int4 symmetric.
                let offset = scheme.symmetric && scheme.bits == .int4 ? 8 : 0
                for column in start..<end {
                    let q = IntegerRounding.halfAwayFromZero((x[column] - bias) * inverse, clampedTo: lower, scheme.codeRange)
                    values[column] = UInt8(truncatingIfNeeded: q &+ offset)
                }
            }
            if scheme.bits == .int8 {
                rowCodes.copyMemory(from: UnsafeRawBufferPointer(values))
            } else {
                Self.packNibbles(values, into: rowCodes)
            }
        }
    }

    /// 4-bit codes (one per byte, < 16) in ggml's order: byte j of each block of 32 values holds value
    /// j in its low nibble and value j + 16 in its high nibble (`GroupedScheme.nibblePosition`).
    private static func packNibbles(_ values: UnsafeMutableBufferPointer<UInt8>, into row: UnsafeMutableRawBufferPointer) {
        let columns = values.count
        for blockStart in stride(from: 0, to: columns, by: 32) {
            let byteStart = blockStart / 2
            for j in 0..<min(16, columns - blockStart) {
                let high = blockStart + 16 + j < columns ? values[blockStart + 16 + j] : 0
                row[byteStart + j] = values[blockStart + j] | high << 4
            }
        }
    }

    enum Rounding { case up, down }

    /// Rounds `value` to the scale type in the given direction, stores it, and returns what was stored.
    private func store(_ value: Float, in target: UnsafeMutableRawBufferPointer, at slot: Int, rounding: Rounding) throws -> Float {
        switch scheme.scaleType {
        case .f32:
            target.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: slot * 4, as: UInt32.self)
            return value
        case .f16:
            var bits = HalfPrecision.halfBits(from: value)
            let nearest = HalfPrecision.float(fromHalfBits: bits)
            if rounding == .up && nearest < value { bits = Self.nextHalfUp(bits) }
            if rounding == .down && nearest > value { bits = Self.nextHalfUp(bits ^ 0x8000) ^ 0x8000 }
            let stored = HalfPrecision.float(fromHalfBits: bits)
            guard stored.isFinite else { throw RowFailure.scaleOverflow }
            target.storeBytes(of: bits.littleEndian, toByteOffset: slot * 2, as: UInt16.self)
            return stored
        }
    }

    /// The next binary16 value towards +infinity (finite, non-NaN input).
    static func nextHalfUp(_ bits: UInt16) -> UInt16 {
        if bits == 0x8000 { return 0x0001 }
        return bits & 0x8000 != 0 ? bits - 1 : bits + 1
    }
}

extension GroupedScheme {
    /// Where value `column` of a row lives in 4-bit storage: ggml's order within each block of 32
    /// (byte j holds value j in its low nibble and value j + 16 in its high nibble).
    @inline(__always)
    static func nibblePosition(of column: Int) -> (byte: Int, high: Bool) {
        let block = column / 32, within = column % 32
        return (block * 16 + within % 16, within >= 16)
    }
}
