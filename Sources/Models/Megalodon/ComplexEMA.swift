import Foundation
import Tensors

/// The complex EMA state: `h[d, n]` for every channel d and order n, real and imaginary parts.
public struct ComplexEMAState: Sendable, Equatable {
    public var real: [Float]
    public var imaginary: [Float]

    public init(real: [Float], imaginary: [Float]) {
        self.real = real
        self.imaginary = imaginary
    }
}

/// Multi-head complex EMA (official `MultiHeadComplexEMA`), run as its direct recurrence
///     h_t = q ⊙ h_{t-1} + p · x_t,   y_t = Re(Σ_n η ⊙ h_t) + ω · x_t
/// which equals the official FFT convolution plus cached-state bias up to rounding, for any split.
struct ComplexEMA: Sendable {
    let channels: Int
    let orders: Int
    /// Per `[channel, order]`: real input gain p, decay q and output weight η (complex).
    let inputGain: [Float]
    let decayReal: [Float], decayImaginary: [Float]
    let outputReal: [Float], outputImaginary: [Float]
    /// Per channel: the skip weight ω.
    let skip: [Float]

    /// Coefficients from the raw parameters (`_calc_coeffs`): alpha, delta `[D·N]`, theta `[D]`,
    /// gamma real/imaginary `[D·N]`, omega `[D]`.
    init(alpha: [Float], delta: [Float], theta: [Float], gammaReal: [Float], gammaImaginary: [Float], omega: [Float], orders: Int) {
        channels = theta.count
        self.orders = orders
        func sigmoid(_ v: Float) -> Double { 1 / (1 + exp(-Double(v))) }
        let etaScale = (1 / Double(orders)).squareRoot()
        var gain = [Float](), decayRe = [Float](), decayIm = [Float](), outRe = [Float](), outIm = [Float]()
        for d in 0..<channels {
            let baseAngle = sigmoid(theta[d]) * 2 * Double.pi / Double(orders)
            for n in 0..<orders {
                let i = d * orders + n
                let p = sigmoid(alpha[i])
                let magnitude = 1 - p * sigmoid(delta[i])
                let angle = Double(n + 1) * baseAngle
                gain.append(Float(p))
                decayRe.append(Float(magnitude * cos(angle)))
                decayIm.append(Float(magnitude * sin(angle)))
                outRe.append(Float(Double(gammaReal[i]) * etaScale))
                outIm.append(Float(Double(gammaImaginary[i]) * etaScale))
            }
        }
        inputGain = gain
        decayReal = decayRe
        decayImaginary = decayIm
        outputReal = outRe
        outputImaginary = outIm
        skip = omega
    }

    private func load8(_ values: [Float], _ start: Int) -> SIMD8<Float> { SIMD8(values[start..<start + 8]) }

    func initialState() -> ComplexEMAState {
        ComplexEMAState(real: .init(repeating: 0, count: channels * orders), imaginary: .init(repeating: 0, count: channels * orders))
    }

    /// `rows` tokens of `channels` values in, the same shape out; advances `state`.
    func apply(_ x: [Float], rows: Int, state: inout ComplexEMAState) -> [Float] {
        var output = [Float](repeating: 0, count: rows * channels)
        let orders = orders, channels = channels
        x.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { output in
                state.real.withUnsafeMutableBufferPointer { hRe in
                    state.imaginary.withUnsafeMutableBufferPointer { hIm in
                        // Channels are independent, so threads take disjoint channel ranges.
                        ThreadPool.shared.parallelFor(channels, minimumChunk: 256) { range in
                            for d in range {
                                var n = 0
                                // Eight orders at a time: the lanes are independent recurrences, so
                                // the serial dependency along time no longer limits throughput.
                                while n + 8 <= orders {
                                    let i = d * orders + n
                                    let p = load8(inputGain, i), qRe = load8(decayReal, i), qIm = load8(decayImaginary, i)
                                    let etaRe = load8(outputReal, i), etaIm = load8(outputImaginary, i)
                                    var re = SIMD8<Float>(hRe[i..<i + 8]), im = SIMD8<Float>(hIm[i..<i + 8])
                                    for t in 0..<rows {
                                        let input = x[t * channels + d]
                                        let newRe = qRe * re - qIm * im + p * input
                                        im = qRe * im + qIm * re
                                        re = newRe
                                        output[t * channels + d] += (etaRe * re - etaIm * im).sum()
                                    }
                                    for lane in 0..<8 {
                                        hRe[i + lane] = re[lane]
                                        hIm[i + lane] = im[lane]
                                    }
                                    n += 8
                                }
                                while n < orders {
                                    let i = d * orders + n
                                    let p = inputGain[i], qRe = decayReal[i], qIm = decayImaginary[i]
                                    let etaRe = outputReal[i], etaIm = outputImaginary[i]
                                    var re = hRe[i], im = hIm[i]
                                    for t in 0..<rows {
                                        let input = x[t * channels + d]
                                        let newRe = qRe * re - qIm * im + p * input
                                        im = qRe * im + qIm * re
                                        re = newRe
                                        output[t * channels + d] += etaRe * re - etaIm * im
                                    }
                                    hRe[i] = re
                                    hIm[i] = im
                                    n += 1
                                }
                                for t in 0..<rows { output[t * channels + d] += skip[d] * x[t * channels + d] }
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
