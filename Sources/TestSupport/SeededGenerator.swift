/// A small deterministic random generator (SplitMix64) so that fuzz and property tests reproduce.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SeededGenerator {
    /// Roughly normal values (sum of four uniforms), scaled.
    public mutating func normals(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in
            var sum: Float = 0
            for _ in 0..<4 { sum += Float.random(in: -1...1, using: &self) }
            return sum * scale
        }
    }
}
