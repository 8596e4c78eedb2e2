import Foundation

/// Rotary position embedding acting on adjacent pairs `(x[2i], x[2i+1])` as one complex number (the
/// Meta/MEGALODON convention, not the rotate-half one), as `x · e^{i·p·f_i}`.
struct RotaryEmbedding: Sendable {
    /// `f_i`, one per pair.
    let inverseFrequencies: [Float]

    /// `1 / base^(2i/dimension)` for i < dimension/2, rounded like the official buffer: the power in
    /// Double rounded to f32, then the reciprocal in f32.
    init(dimension: Int, base: Double) {
        inverseFrequencies = stride(from: 0, to: dimension, by: 2).map { 1 / Float(pow(base, Double($0) / Double(dimension))) }
    }

    init(inverseFrequencies: [Float]) {
        self.inverseFrequencies = inverseFrequencies
    }

    var dimension: Int { inverseFrequencies.count * 2 }

    /// Rotates `vectors` consecutive vectors of `dimension` values at `x`, all at `position`.
    func rotate(_ x: UnsafeMutablePointer<Float>, vectors: Int, position: Int) {
        for pair in 0..<inverseFrequencies.count {
            // The angle is formed in f32 like the reference (fp32 position times fp32 frequency).
            let angle = Float(position) * inverseFrequencies[pair]
            let cosine = Float(cos(Double(angle)))
            let sine = Float(sin(Double(angle)))
            for vector in 0..<vectors {
                let even = x + vector * dimension + 2 * pair
                let real = even[0], imaginary = even[1]
                even[0] = real * cosine - imaginary * sine
                even[1] = real * sine + imaginary * cosine
            }
        }
    }
}
