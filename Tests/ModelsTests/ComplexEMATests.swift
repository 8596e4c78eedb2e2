import Foundation
import Tensors
import Testing

@testable import Models

/// The complex EMA kernel (vector lanes of eight orders plus a scalar tail) against the recurrence
/// written out in Double complex arithmetic, for orders that exercise both paths.
@Suite("complex EMA kernel")
struct ComplexEMATests {
    @Test("matches the Double recurrence", arguments: [16, 11, 3])
    func matchesRecurrence(orders: Int) {
        var generator = SplitMix64(seed: UInt64(orders))
        let channels = 5, rows = 40
        let random = { (count: Int, scale: Float) in (0..<count).map { _ in generator.nextGaussian() * scale } }
        let alpha = random(channels * orders, 0.5), delta = random(channels * orders, 0.5), theta = random(channels, 1)
        let gammaRe = random(channels * orders, 1), gammaIm = random(channels * orders, 1), omega = random(channels, 0.3)
        let x = random(rows * channels, 1)
        let ema = ComplexEMA(
            alpha: alpha, delta: delta, theta: theta, gammaReal: gammaRe, gammaImaginary: gammaIm, omega: omega, orders: orders)
        var state = ema.initialState()
        // Two calls, so the carried state is exercised too.
        let output =
            ema.apply(Array(x[0..<13 * channels]), rows: 13, state: &state)
            + ema.apply(Array(x[(13 * channels)...]), rows: rows - 13, state: &state)

        func sigmoid(_ v: Float) -> Double { 1 / (1 + exp(-Double(v))) }
        var worst = 0.0
        for d in 0..<channels {
            var hRe = [Double](repeating: 0, count: orders), hIm = hRe
            for t in 0..<rows {
                let input = Double(x[t * channels + d])
                var y = Double(omega[d]) * input
                for n in 0..<orders {
                    let i = d * orders + n
                    let p = sigmoid(alpha[i]), magnitude = 1 - p * sigmoid(delta[i])
                    let angle = Double(n + 1) * sigmoid(theta[d]) * 2 * Double.pi / Double(orders)
                    let qRe = magnitude * cos(angle), qIm = magnitude * sin(angle)
                    (hRe[n], hIm[n]) = (qRe * hRe[n] - qIm * hIm[n] + p * input, qRe * hIm[n] + qIm * hRe[n])
                    y += (Double(gammaRe[i]) * hRe[n] - Double(gammaIm[i]) * hIm[n]) / Double(orders).squareRoot()
                }
                worst = max(worst, abs(y - Double(output[t * channels + d])))
            }
        }
        #expect(worst <= 1e-5)
    }
}
