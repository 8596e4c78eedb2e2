/// The SiLU-gated feed-forward shared by the engines: `down(silu(gate x) ⊙ up x)` (SwiGLU; Llama's
/// `gate_proj`/`up_proj`/`down_proj`, MEGALODON's `fc1`/`fc3`/`fc2`), or `down(silu(gate x))` when
/// there is no `up` projection.
struct SiLUFeedForward: Sendable {
    let gate: Linear
    let up: Linear?
    let down: Linear

    var inputs: Int { gate.inputs }
    var outputs: Int { down.outputs }

    func callAsFunction(_ x: [Float], rows: Int) -> [Float] {
        var hidden = gate(x, rows: rows)
        if let up {
            VectorMath.multiplySiLU(&hidden, by: up(x, rows: rows))
        } else {
            VectorMath.applySiLU(&hidden)
        }
        return down(hidden, rows: rows)
    }
}
