import CQuantKernels

/// The SiLU-gated feed-forward shared by the engines: `down(silu(gate x) ⊙ up x)` (SwiGLU; Llama's
/// `gate_proj`/`up_proj`/`down_proj`, MEGALODON's `fc1`/`fc3`/`fc2`), or `down(silu(gate x))` when
/// there is no `up` projection.
struct SiLUFeedForward: Sendable {
    let gate: Linear
    let up: Linear?
    let down: Linear
    /// Gate and up, and down, prepared for one-row steps.
    private let gateAndUp: LinearGroup
    private let downGroup: LinearGroup

    init(gate: Linear, up: Linear?, down: Linear) {
        self.gate = gate
        self.up = up
        self.down = down
        gateAndUp = LinearGroup([gate] + (up.map { [$0] } ?? []))
        downGroup = LinearGroup([down])
    }

    var inputs: Int { gate.inputs }
    var outputs: Int { down.outputs }

    func callAsFunction(_ x: [Float], rows: Int) -> [Float] {
        let projected = Linear.apply(gateAndUp.layers, to: x, rows: rows)
        var hidden = projected[0]
        if up != nil {
            VectorMath.multiplySiLU(&hidden, by: projected[1])
        } else {
            VectorMath.applySiLU(&hidden)
        }
        return down(hidden, rows: rows)
    }

    /// One input row `x` into `y` (`outputs` floats), the arithmetic of `callAsFunction` on one row.
    func applyOneRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let hidden = gate.outputs
        withUnsafeTemporaryAllocation(of: Float.self, capacity: gateAndUp.outputs) { projected in
            guard let projected = projected.baseAddress else { return }
            gateAndUp.applyOneRow(x, into: projected)
            rk_silu(projected, up == nil ? nil : projected + hidden, hidden)
            downGroup.applyOneRow(projected, into: y)
        }
    }
}
