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
        // Gate's [rows, hidden] block, then up's: the SiLU product overwrites the gate block in place.
        var projected = gateAndUp(x, rows: rows)
        let count = rows * gate.outputs
        return projected.withUnsafeMutableBufferPointer { buffer in
            guard let hidden = buffer.baseAddress else { return [] }
            VectorMath.applySiLU(hidden, count: count, gatedBy: up == nil ? nil : UnsafePointer(hidden + count))
            return downGroup(hidden, rows: rows)
        }
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
