/// `y = x · Wᵀ (+ b)` over rows, with the weight kept in its stored dtype (see `WeightMatrix`).
struct Linear: Sendable {
    let weight: WeightMatrix
    let bias: [Float]?

    var inputs: Int { weight.inputs }
    var outputs: Int { weight.outputs }

    func callAsFunction(_ x: [Float], rows: Int) -> [Float] {
        var y = weight.apply(x, rows: rows)
        if let bias { VectorMath.addBias(bias, to: &y, rows: rows) }
        return y
    }
}

/// Receives named intermediate activations (`[rows, width]`, row-major) as a forward pass produces
/// them; tests compare them with reference captures. Names follow the official module paths.
typealias ActivationTap = (_ name: String, _ values: [Float]) -> Void
