/// `y = x · Wᵀ (+ b)` over rows, with the weight kept in its stored dtype (see `WeightMatrix`).
struct Linear: Sendable {
    let weight: WeightMatrix
    let bias: [Float]?

    var inputs: Int { weight.inputs }
    var outputs: Int { weight.outputs }

    func callAsFunction(_ x: [Float], rows: Int) -> [Float] {
        Linear.apply([self], to: x, rows: rows)[0]
    }

    /// Several layers that read the same input, in one pass where the weights allow it
    /// (`WeightMatrix.apply(_:to:rows:)`); results in order.
    static func apply(_ layers: [Linear], to x: [Float], rows: Int) -> [[Float]] {
        var results = WeightMatrix.apply(layers.map(\.weight), to: x, rows: rows)
        for (index, layer) in layers.enumerated() {
            if let bias = layer.bias { VectorMath.addBias(bias, to: &results[index], rows: rows) }
        }
        return results
    }
}

/// Receives named intermediate activations (`[rows, width]`, row-major) as a forward pass produces
/// them; tests compare them with reference captures. Names follow the official module paths.
typealias ActivationTap = (_ name: String, _ values: [Float]) -> Void
