import CQuantKernels
import Checkpoints
import Tensors

/// Expands quantized matrices back to float32 with the exact arithmetic of the reference
/// dequantizers (ggml's `dequantize_row_*`, gguf-py's `dequantize_blocks`; ggml blocks through
/// Checkpoints' `GGMLDequantization`): one multiply, then one add, never fused.
public enum Dequantizer {
    /// All rows, row-major.
    public static func dequantize(_ matrix: QuantizedMatrix) -> [Float] {
        let columns = matrix.columns
        return [Float](unsafeUninitializedCapacity: matrix.rows * columns) { buffer, initialized in
            ThreadPool.shared.parallelFor(matrix.rows, minimumChunk: max(1, 65536 / max(columns, 1))) { range in
                for row in range {
                    dequantizeRow(matrix, row: row, into: UnsafeMutableBufferPointer(rebasing: buffer[row * columns..<(row + 1) * columns]))
                }
            }
            initialized = matrix.rows * columns
        }
    }

    /// Rows `rows` into `target` (row-major, `rows.count × matrix.columns` values), the same values as
    /// `dequantizeRow` row by row. The types the kernels unpack (k-quants, Q5_x, IQ4_NL: the prefill
    /// that widens blocks of rows for sgemm) go through the kernels' widening, several times faster.
    public static func dequantizeRows(
        _ matrix: QuantizedMatrix, rows: Range<Int>, into target: UnsafeMutableBufferPointer<Float>, variant: KernelVariant = .preferred
    ) {
        let columns = matrix.columns
        precondition(
            rows.lowerBound >= 0 && rows.upperBound <= matrix.rows && target.count == rows.count * columns,
            "rows or target size out of range")
        var descriptor = QuantizedLinear.kernelMatrix(matrix, matrix.layout)
        if let out = target.baseAddress, qk_dequantize_rows(variant.rawValue, &descriptor, rows.lowerBound, rows.upperBound, out) != 0 {
            return
        }
        for (offset, row) in rows.enumerated() {
            dequantizeRow(matrix, row: row, into: UnsafeMutableBufferPointer(rebasing: target[offset * columns..<(offset + 1) * columns]))
        }
    }

    /// One row into `target` (exactly `matrix.columns` values).
    public static func dequantizeRow(_ matrix: QuantizedMatrix, row: Int, into target: UnsafeMutableBufferPointer<Float>) {
        precondition(row >= 0 && row < matrix.rows && target.count == matrix.columns, "row or target size out of range")
        let layout = matrix.layout
        let codes = UnsafeRawBufferPointer(rebasing: matrix.codes.bytes[row * layout.rowBytes..<(row + 1) * layout.rowBytes])
        switch matrix.scheme {
        case let .grouped(scheme):
            dequantizeGroupedRow(
                scheme, layout: layout, row: row, codes: codes, scales: matrix.scales?.bytes,
                biases: matrix.biases?.bytes, into: target)
        case .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl:
            dequantizeBlocks(matrix.scheme.ggmlType ?? .q8_0, codes, into: target)
        }
    }

    private static func half(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> Float {
        HalfPrecision.float(fromHalfBits: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// ggml blocks go through the GGUF reader's dequantizer (the same reference arithmetic).
    private static func dequantizeBlocks(_ type: GGMLType, _ row: UnsafeRawBufferPointer, into y: UnsafeMutableBufferPointer<Float>) {
        do {
            try GGMLDequantization.dequantize(row, type: type, into: y)
        } catch {
            preconditionFailure("a validated \(type) row failed to dequantize: \(error)")
        }
    }

    private static func dequantizeGroupedRow(
        _ scheme: GroupedScheme, layout: QuantizedLayout, row: Int, codes: UnsafeRawBufferPointer,
        scales: UnsafeRawBufferPointer?, biases: UnsafeRawBufferPointer?,
        into y: UnsafeMutableBufferPointer<Float>
    ) {
        let groupSize = layout.groupSize
        for group in 0..<layout.groupsPerRow {
            let slot = row * layout.groupsPerRow + group
            let scale = scales.map { scaleValue($0, slot, scheme.scaleType) } ?? 0
            let bias = biases.map { scaleValue($0, slot, scheme.scaleType) } ?? 0
            for column in group * groupSize..<min((group + 1) * groupSize, layout.columns) {
                let q: Float
                switch scheme.bits {
                case .int8:
                    q = scheme.symmetric ? Float(Int8(bitPattern: codes[column])) : Float(codes[column])
                case .int4:
                    let (byte, high) = GroupedScheme.nibblePosition(of: column)
                    let nibble = high ? codes[byte] >> 4 : codes[byte] & 0x0F
                    q = scheme.symmetric ? Float(Int(nibble) - 8) : Float(nibble)
                }
                y[column] = scheme.symmetric ? q * scale : q * scale + bias
            }
        }
    }

    static func scaleValue(_ bytes: UnsafeRawBufferPointer, _ slot: Int, _ type: GroupedScheme.ScaleType) -> Float {
        switch type {
        case .f16: return half(bytes, slot * 2)
        case .f32: return Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: slot * 4, as: UInt32.self)))
        }
    }
}
