import Tensors

/// Quantizes float matrices into any `QuantizationScheme`, row by row on the shared thread pool.
public enum Quantizer {
    /// Quantizes W[rows, columns] given row-major. `name` is used in errors.
    public static func quantize(
        _ values: UnsafeBufferPointer<Float>, rows: Int, columns: Int,
        scheme: QuantizationScheme, name: String = "matrix"
    ) throws -> QuantizedMatrix {
        guard rows >= 0, columns >= 0 else { throw QuantizationError.notAMatrix(tensor: name, shape: [rows, columns]) }
        guard values.count == rows * columns else {
            throw QuantizationError.valueCountMismatch(tensor: name, expected: rows * columns, actual: values.count)
        }
        guard !scheme.isReadOnly else { throw QuantizationError.readOnlyScheme(scheme.description) }
        if let blockValues = scheme.ggmlBlockValues, columns % blockValues != 0 {
            throw QuantizationError.columnsNotMultipleOfBlock(tensor: name, columns: columns, scheme: scheme.description)
        }
        if let row = firstRowWithNonFiniteValue(values, columns: columns) {
            throw QuantizationError.nonFiniteValue(tensor: name, row: row)
        }
        let layout = QuantizedLayout(scheme: scheme, rows: rows, columns: columns)
        var overflowRows = [Bool](repeating: false, count: rows)
        var scaleBuffer: Storage?, biasBuffer: Storage?
        let codes = Storage(count: layout.codeBytes) { codeBytes in
            scaleBuffer = Storage(count: layout.scaleBytes) { scaleBytes in
                biasBuffer = Storage(count: layout.biasBytes) { biasBytes in
                    overflowRows.withUnsafeMutableBufferPointer { overflow in
                        ThreadPool.shared.parallelFor(rows, minimumChunk: max(1, 65536 / max(columns, 1))) { range in
                            for row in range {
                                let x = UnsafeBufferPointer(rebasing: values[row * columns..<(row + 1) * columns])
                                switch scheme {
                                case let .grouped(grouped):
                                    do {
                                        try GroupedQuantizer(scheme: grouped, layout: layout)
                                            .quantizeRow(x, row: row, codes: codeBytes, scales: scaleBytes, biases: biasBytes)
                                    } catch {
                                        overflow[row] = true
                                    }
                                default:
                                    let out = UnsafeMutableRawBufferPointer(
                                        rebasing: codeBytes[row * layout.rowBytes..<(row + 1) * layout.rowBytes])
                                    GGMLBlockQuantizer.quantizeRow(x, scheme: scheme, into: out)
                                }
                            }
                        }
                    }
                }
            }
        }
        if let row = overflowRows.firstIndex(of: true) {
            throw QuantizationError.scaleOverflow(tensor: name, row: row, scheme: scheme.description)
        }
        return try QuantizedMatrix(
            scheme: scheme, rows: rows, columns: columns, codes: codes,
            scales: layout.scaleBytes > 0 ? scaleBuffer : nil,
            biases: layout.biasBytes > 0 ? biasBuffer : nil, name: name)
    }

    /// Quantizes a 2-D float tensor (f32, f16, bf16 or f64).
    public static func quantize(_ tensor: Tensor, scheme: QuantizationScheme, name: String = "matrix") throws -> QuantizedMatrix {
        guard tensor.rank == 2 else { throw QuantizationError.notAMatrix(tensor: name, shape: tensor.shape) }
        guard tensor.dtype.isFloatingPoint else { throw QuantizationError.unsupportedDType(tensor: name, dtype: tensor.dtype.rawValue) }
        let values = try tensor.floats()
        return try values.withUnsafeBufferPointer {
            try quantize($0, rows: tensor.shape[0], columns: tensor.shape[1], scheme: scheme, name: name)
        }
    }

    private static func firstRowWithNonFiniteValue(_ values: UnsafeBufferPointer<Float>, columns: Int) -> Int? {
        guard columns > 0 else { return nil }
        // Summing |x|·0 is NaN exactly when some x is NaN or infinite, and vectorises.
        for row in 0..<values.count / columns {
            var probe: Float = 0
            for v in values[row * columns..<(row + 1) * columns] { probe += v * 0 }
            if probe.isNaN { return row }
        }
        return nil
    }
}
