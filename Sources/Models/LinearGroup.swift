import Quantization

/// Layers that read the same input, prepared at load for one-row (decode) steps. Quantized layers
/// on the integer kernels share one `QuantizedLinear.Plan`, so a token's product costs one hand-off
/// and no per-call arrays; other weights go through `WeightMatrix.apply` as before.
struct LinearGroup: Sendable {
    let layers: [Linear]
    /// Output values of all layers together: layer after layer, in order.
    let outputs: Int
    private let plan: QuantizedLinear.Plan?
    /// Where each layer with a bias starts in the output.
    private let biases: [(offset: Int, values: [Float])]

    init(_ layers: [Linear]) {
        self.layers = layers
        var offset = 0
        var biases: [(offset: Int, values: [Float])] = []
        for layer in layers {
            if let bias = layer.bias { biases.append((offset, bias)) }
            offset += layer.outputs
        }
        outputs = offset
        self.biases = biases
        let quantized = layers.compactMap(\.weight.oneRowQuantized)
        plan =
            !layers.isEmpty && quantized.count == layers.count ? QuantizedLinear.Plan(quantized.map(\.0), panels: quantized.map(\.1)) : nil
    }

    /// `y = x · Wᵢᵀ (+ bᵢ)` for one input row, the layers' outputs one after another (`outputs` floats).
    func applyOneRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        if let plan {
            plan.applyOneRow(x, into: y)
        } else {
            WeightMatrix.apply(layers.map(\.weight), to: x, rows: 1, into: y)
        }
        for (offset, values) in biases { VectorMath.addBias(values, to: y + offset, rows: 1) }
    }

    /// `x · Wᵢᵀ (+ bᵢ)` for `rows` input rows: layer i's `[rows, outputsᵢ]` block after layer i − 1's
    /// (`rows · outputs` floats). One array, written once: splitting it into one array per layer
    /// copied a SmolLM2 pp512's gate and up products on the calling thread alone while the second
    /// thread waited.
    func callAsFunction(_ x: UnsafePointer<Float>, rows: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * outputs) { buffer, initialized in
            guard let y = buffer.baseAddress, rows > 0 else { return }
            if rows == 1 {
                applyOneRow(x, into: y)
            } else {
                WeightMatrix.apply(layers.map(\.weight), to: x, rows: rows, into: y)
                for (offset, values) in biases { VectorMath.addBias(values, to: y + rows * offset, rows: rows) }
            }
            initialized = rows * outputs
        }
    }

    /// The array form of `callAsFunction(_:rows:)`.
    func callAsFunction(_ x: [Float], rows: Int) -> [Float] {
        precondition(x.count == rows * (layers.first?.inputs ?? 0), "input is not \(rows) rows")
        return x.withUnsafeBufferPointer { xs in
            guard let base = xs.baseAddress else { return [] }
            return self(base, rows: rows)
        }
    }
}
