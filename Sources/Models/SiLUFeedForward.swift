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
        let projected = Linear.apply([gate] + (up.map { [$0] } ?? []), to: x, rows: rows)
        var hidden = projected[0]
        if up != nil {
            VectorMath.multiplySiLU(&hidden, by: projected[1])
        } else {
            VectorMath.applySiLU(&hidden)
        }
        return down(hidden, rows: rows)
    }
}
