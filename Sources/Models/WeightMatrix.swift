import Checkpoints
import Quantization
import Tensors

/// A weight matrix `[outputs, inputs]` (PyTorch layout) kept in its stored form, usually inside the
/// checkpoint's memory map: f32, f16 or bf16, or quantized (`QuantizedMatrix`: ggml blocks — Q8_0,
/// Q4_0, Q4_1, Q5_0, Q5_1, Q2_K … Q6_K, IQ4_NL — or our grouped int8/int4 codes).
///
/// Why no f32 copy: a bf16 7B model is 14.8 GB and its f32 copy would not fit in 24 GB; quantizing
/// only pays if the quantized bytes are what is read. f32 weights are handed to BLAS in place.
/// f16/bf16 weights are widened on the fly, a block of rows at a time, into a small scratch buffer:
/// for several input rows (prefill) each block feeds one sgemm, whose cost dwarfs the conversion; for
/// one input row (decode) each thread widens its own rows and takes dot products, so the weights
/// stream through memory once at their stored size. Quantized weights go through the integer kernels
/// of `QuantizedLinear` (activations quantized to int8 blocks, as llama.cpp does), or, with
/// `QuantizedArithmetic.float`, are dequantized block by block like f16 weights.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let outputs: Int
    public let inputs: Int
    public let kind: Kind
    /// Keeps the mapping (or owned copy) alive; `base` points into it (float kinds).
    private let storage: Storage?
    private let base: UnsafeRawPointer?
    private let quantized: QuantizedMatrix?
    /// The quantized rows regrouped for the one-row kernel, when the CPU's kernel variant reads them.
    private let panels: DecodePanels?
    private let arithmetic: QuantizedArithmetic

    /// How the weights are stored.
    public enum Kind: Equatable, Sendable, CustomStringConvertible {
        case float(DType)
        case quantized(QuantizationScheme)

        public var description: String {
            switch self {
            case let .float(dtype): return dtype.rawValue
            case let .quantized(scheme): return scheme.description
            }
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notAMatrix(name: String, shape: [Int])
        case unsupportedDType(name: String, dtype: DType)

        public var description: String {
            switch self {
            case let .notAMatrix(name, shape): return "\(name): expected a matrix, found shape \(shape)"
            case let .unsupportedDType(name, dtype): return "\(name): weights stored as \(dtype) are not supported (need F32, F16 or BF16)"
            }
        }
    }

    public init(_ tensor: Tensor, name: String) throws {
        guard tensor.rank == 2 else { throw Failure.notAMatrix(name: name, shape: tensor.shape) }
        guard [.f32, .f16, .bf16].contains(tensor.dtype), let width = tensor.dtype.byteWidth else {
            throw Failure.unsupportedDType(name: name, dtype: tensor.dtype)
        }
        self.name = name
        outputs = tensor.shape[0]
        inputs = tensor.shape[1]
        kind = .float(tensor.dtype)
        // Old safetensors files do not align tensors; the kernels below want element alignment, so a
        // misaligned tensor (rare) gets an aligned private copy.
        let aligned = tensor.bytes.baseAddress.map { Int(bitPattern: $0) % width == 0 } ?? true
        var kept = aligned ? tensor.storage : Storage(copying: tensor.bytes)
        if tensor.dtype == .f32 { kept = FloatMatrixMemory.forDecode(kept) }
        storage = kept
        base = kept.bytes.baseAddress
        quantized = nil
        panels = nil
        arithmetic = .integer
    }

    /// Quantized weights, used in place (the kernels read codes and scales unaligned).
    public init(_ matrix: QuantizedMatrix, name: String, arithmetic: QuantizedArithmetic = .integer) {
        self.name = name
        outputs = matrix.rows
        inputs = matrix.columns
        kind = .quantized(matrix.scheme)
        storage = nil
        base = nil
        quantized = matrix
        panels = arithmetic == .integer ? DecodePanels(matrix) : nil
        self.arithmetic = arithmetic
    }

    /// Bytes one pass over the matrix reads (what decoding a token costs in memory traffic).
    public var byteCount: Int {
        if let quantized { return quantized.byteCount }
        guard case let .float(dtype) = kind else { return 0 }
        return outputs * inputs * (dtype.byteWidth ?? 4)
    }

    /// Rows of weights widened per block, sized so a block stays in the L2 cache.
    private var blockRows: Int { max(1, min(outputs, (1 << 16) / max(1, inputs))) }

    /// `y[rows, outputs] (+)= x[rows, inputs] · Wᵀ`.
    public func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        guard rows > 0, outputs > 0 else { return }
        switch route(rows: rows, accumulate: accumulate) {
        case let .quantized(matrix, _):
            applyQuantized(matrix, x, rows: rows, into: y, accumulate: accumulate)
        case let .floatOneRow(weight):
            // Decode: our kernel streams f32 weights 1.04–1.4x faster than OpenBLAS sgemv (BENCHMARKS.md).
            FloatMatrixVector.apply(weight, rows: outputs, columns: inputs, x: x, into: y)
        case let .floatRows(weight):
            BLAS.linear(x, rows: rows, inputs: inputs, weight: weight, outputs: outputs, into: y, accumulate: accumulate)
        case let .bFloat16OneRow(weight):
            BFloat16MatVec.apply(weight, outputs: outputs, inputs: inputs, x: x, into: y, accumulate: accumulate)
        case .widenedOneRow:
            applyToOneRow(x, into: y, accumulate: accumulate)
        case .widenedBlocks:
            applyBlockwise(x, rows: rows, into: y, accumulate: accumulate)
        }
    }

    /// Array form of `apply`: returns `[rows, outputs]`.
    public func apply(_ x: [Float], rows: Int) -> [Float] {
        WeightMatrix.apply([self], to: x, rows: rows)[0]
    }

    /// `x · Wᵢᵀ` (`[rows, outputs_i]` each) for matrices that read the same input `x[rows, inputs]`.
    /// Where every matrix takes a path that splits its output rows between threads (quantized
    /// integer kernels; one-row f32 and bf16 kernels), the products run as one job with the input
    /// prepared once: a decode step's Q, K and V (or gate and up) cost one hand-off, not three.
    public static func apply(_ matrices: [WeightMatrix], to x: [Float], rows: Int) -> [[Float]] {
        var offsets = [0]
        for matrix in matrices {
            precondition(x.count == rows * matrix.inputs, "\(matrix.name): input is not \(rows) rows of \(matrix.inputs)")
            offsets.append(offsets[offsets.count - 1] + rows * matrix.outputs)
        }
        // Every route writes all of its output, so the array need not be zeroed first.
        let results = [Float](unsafeUninitializedCapacity: offsets[offsets.count - 1]) { ys, initialized in
            x.withUnsafeBufferPointer { xs in
                guard rows > 0, let xBase = xs.baseAddress, let yBase = ys.baseAddress else { return }
                apply(matrices, to: xBase, rows: rows, into: yBase)
                initialized = ys.count
            }
        }
        guard results.count == offsets[offsets.count - 1] else { return matrices.map { _ in [] } }
        if matrices.count == 1 { return [results] }
        return matrices.indices.map { Array(results[offsets[$0]..<offsets[$0 + 1]]) }
    }

    /// The same on buffers: matrix i's `[rows, outputs_i]` follow one another at `y`.
    static func apply(_ matrices: [WeightMatrix], to x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        guard rows > 0, let columns = matrices.first?.inputs else { return }
        var offsets = [0]
        for matrix in matrices { offsets.append(offsets[offsets.count - 1] + rows * matrix.outputs) }
        let routes = matrices.map { $0.route(rows: rows, accumulate: false) }
        let quantized = routes.compactMap { route -> (QuantizedMatrix, DecodePanels?)? in
            if case let .quantized(matrix, panels) = route { return (matrix, panels) }
            return nil
        }
        let floats = routes.compactMap { route -> UnsafePointer<Float>? in
            if case let .floatOneRow(weight) = route { return weight }
            return nil
        }
        let bFloats = routes.compactMap { route -> UnsafePointer<UInt16>? in
            if case let .bFloat16OneRow(weight) = route { return weight }
            return nil
        }
        if matrices.count > 1, quantized.count == matrices.count {
            let products = quantized.indices.map { index in
                QuantizedLinear.Product(
                    quantized[index].0, panels: quantized[index].1,
                    into: UnsafeMutableBufferPointer(start: y + offsets[index], count: offsets[index + 1] - offsets[index]))
            }
            let input = UnsafeBufferPointer(start: x, count: rows * columns)
            let blocksPerScale = QuantizedActivations.blocksPerScale(for: quantized.map(\.0.scheme), rows: rows)
            QuantizedLinear.apply(products, to: QuantizedActivations(input, rows: rows, columns: columns, blocksPerScale: blocksPerScale))
        } else if matrices.count > 1, floats.count == matrices.count {
            let products = floats.indices.map {
                FloatMatrixVector.Product(floats[$0], rows: matrices[$0].outputs, into: y + offsets[$0])
            }
            FloatMatrixVector.apply(products, columns: columns, x: x)
        } else if matrices.count > 1, bFloats.count == matrices.count {
            let products = bFloats.indices.map {
                BFloat16MatVec.Product(bFloats[$0], rows: matrices[$0].outputs, into: y + offsets[$0])
            }
            BFloat16MatVec.apply(products, inputs: columns, x: x)
        } else {
            for (index, matrix) in matrices.enumerated() { matrix.apply(x, rows: rows, into: y + offsets[index]) }
        }
    }

    /// The quantized matrix and its panels when one input row goes through the integer kernels
    /// (what `QuantizedLinear.Plan` prepares); nil for other routes.
    var oneRowQuantized: (QuantizedMatrix, DecodePanels?)? {
        if case let .quantized(matrix, panels) = route(rows: 1, accumulate: false) { return (matrix, panels) }
        return nil
    }

    /// How `apply` computes a product of `rows` input rows.
    private enum Route {
        /// Integer kernels on quantized activations (any number of rows).
        case quantized(QuantizedMatrix, DecodePanels?)
        /// Our f32 one-row kernel, reading the weights in place.
        case floatOneRow(UnsafePointer<Float>)
        /// BLAS on the f32 weights in place.
        case floatRows(UnsafePointer<Float>)
        /// The bf16 one-row kernels, reading the weights in place.
        case bFloat16OneRow(UnsafePointer<UInt16>)
        /// f16 (or dequantized) rows widened a block at a time, then dot products.
        case widenedOneRow
        /// Blocks of rows widened, then one sgemm per block.
        case widenedBlocks
    }

    private func route(rows: Int, accumulate: Bool) -> Route {
        if let quantized, arithmetic == .integer {
            // Prefill of the types the kernels unpack (k-quants, Q5_x, IQ4_NL): below the threshold the
            // one-row decoders run once per activation row; above it, dequantized blocks feed sgemm.
            if quantized.scheme.isReadOnly, rows >= Self.unpackedPrefillRows { return .widenedBlocks }
            return .quantized(quantized, panels)
        }
        if kind == .float(.f32), let base {
            let weight = base.assumingMemoryBound(to: Float.self)
            return rows == 1 && !accumulate && FloatMatrixVector.isAvailable ? .floatOneRow(weight) : .floatRows(weight)
        }
        if rows == 1, kind == .float(.bf16), let base { return .bFloat16OneRow(base.assumingMemoryBound(to: UInt16.self)) }
        return rows == 1 ? .widenedOneRow : .widenedBlocks
    }

    /// Input rows from which products of unpacked types go through dequantized blocks and sgemm
    /// (`QK_UNPACKED_DECODE_ROWS` in unpacked_template.h is one less). Widening costs the same whatever
    /// the rows, the one-row decoders re-read the weights per row. Zen 4, 1 thread: Llama-7B Q4_K_M took
    /// 0.16–0.18 s a row the one way, 5.6 s + 0.14 s a row the other (63 rows 10.1 s, 64 rows 14.3 s);
    /// SmolLM2-135M's Q6_K file pp63 490 tok/s against pp64 388 and pp128 558. Break-even lies near 100
    /// rows for the small model and 250 for the 7B; 64 keeps both on the faster side below it.
    static let unpackedPrefillRows = 64

    /// Row `index` widened to f32 (embedding lookup).
    public func copyRow(_ index: Int, into target: UnsafeMutablePointer<Float>) {
        precondition(index >= 0 && index < outputs, "\(name): row \(index) outside 0..<\(outputs)")
        widenRows(index..<index + 1, into: target)
    }

    private func widenRows(_ rows: Range<Int>, into target: UnsafeMutablePointer<Float>) {
        if let quantized {
            Dequantizer.dequantizeRows(quantized, rows: rows, into: UnsafeMutableBufferPointer(start: target, count: rows.count * inputs))
            return
        }
        guard let base else { return }
        let count = rows.count * inputs
        let start = rows.lowerBound * inputs
        let destination = UnsafeMutableBufferPointer(start: target, count: count)
        switch kind {
        case .float(.f16):
            HalfPrecision.widenHalf(
                UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt16.self) + start, count: count), into: destination)
        case .float(.bf16):
            HalfPrecision.widenBFloat16(
                UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt16.self) + start, count: count), into: destination)
        default:
            destination.baseAddress?.update(from: base.assumingMemoryBound(to: Float.self) + start, count: count)
        }
    }

    /// Rows widened per sgemm of several input rows: up to 8 MB of floats. Each block is one sgemm,
    /// and each sgemm packs all of x again, so L2-sized blocks (16 rows of a 4096-wide matrix) made a
    /// 7B prefill pack its activations 256 times per matrix.
    private var prefillBlockRows: Int { max(blockRows, min(outputs, (1 << 21) / max(1, inputs))) }

    private func applyBlockwise(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let block = prefillBlockRows
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: block * inputs)
        defer { scratch.deallocate() }
        var first = 0
        while first < outputs {
            let count = min(block, outputs - first)
            // Widened on every thread, as sgemm then runs: one thread widening measured 0.70× llama.cpp's
            // 2-thread pp512 on SmolLM2 Q4_K_M, against 1.00× on 1 thread.
            let start = first
            ThreadPool.shared.parallelFor(count, minimumChunk: max(1, (1 << 14) / max(1, inputs))) { rows in
                widenRows(start + rows.lowerBound..<start + rows.upperBound, into: scratch + rows.lowerBound * inputs)
            }
            BLAS.linearRows(
                x, rows: rows, inputs: inputs, weight: scratch, outputs: count, into: y + first, outputStride: outputs,
                accumulate: accumulate)
            first += count
        }
    }

    private func applyToOneRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let block = min(blockRows, 16)
        ThreadPool.shared.parallelFor(outputs, minimumChunk: 64) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: block * inputs)
            defer { scratch.deallocate() }
            var first = range.lowerBound
            while first < range.upperBound {
                let count = min(block, range.upperBound - first)
                widenRows(first..<first + count, into: scratch)
                for row in 0..<count {
                    let value = VectorMath.dot(scratch + row * inputs, x, count: inputs)
                    y[first + row] = accumulate ? y[first + row] + value : value
                }
                first += count
            }
        }
    }

    private func applyQuantized(
        _ matrix: QuantizedMatrix, _ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
        accumulate: Bool
    ) {
        let input = UnsafeBufferPointer(start: x, count: rows * inputs)
        guard accumulate else {
            QuantizedLinear.apply(
                matrix, to: input, rows: rows, into: UnsafeMutableBufferPointer(start: y, count: rows * outputs),
                panels: panels)
            return
        }
        let product = [Float](unsafeUninitializedCapacity: rows * outputs) { buffer, initialized in
            QuantizedLinear.apply(matrix, to: input, rows: rows, into: buffer, panels: panels)
            initialized = rows * outputs
        }
        for index in product.indices { y[index] += product[index] }
    }
}
