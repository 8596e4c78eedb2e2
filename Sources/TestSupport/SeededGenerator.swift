import Tensors

/// The deterministic random generator of fuzz and property tests: the library's SplitMix64, so a
/// test and the code it checks draw the same streams from the same seed.
public typealias SeededGenerator = SplitMix64

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
