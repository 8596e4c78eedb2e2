import Foundation

/// CPython 3.11's `random.Random`, bit for bit, for the parts lm-evaluation-harness uses
/// (few-shot sampling draws `Random(1234).sample(pool, k)` in document order).
public struct PythonRandom: Sendable {
    private var twister: MersenneTwister

    /// `random.Random(seed)` for an int seed (CPython uses |seed|).
    public init(seed: Int) {
        self.init(seedMagnitude: seed.magnitude.wordsLittleEndian32)
    }

    /// `random.Random(seed)` for an arbitrarily large int, given as its magnitude in 32-bit words,
    /// least significant first (e.g. `2**70` is `[0, 0, 64]`).
    public init(seedMagnitude words: [UInt32]) {
        var key = words
        while key.count > 1, key.last == 0 { key.removeLast() }
        twister = MersenneTwister(key: key)
    }

    /// `random()`: a 53-bit float in [0, 1).
    public mutating func random() -> Double {
        let high = Double(twister.next32() >> 5)
        let low = Double(twister.next32() >> 6)
        return (high * 67_108_864.0 + low) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `getrandbits(k)` for `0 <= k <= 64`.
    public mutating func getrandbits(_ bitCount: Int) -> UInt64 {
        precondition((0...64).contains(bitCount), "getrandbits supports 0...64 bits here")
        let words = getrandbitsWords(bitCount)
        var value: UInt64 = 0
        for (position, word) in words.enumerated() { value |= UInt64(word) << (32 * UInt64(position)) }
        return value
    }

    /// `getrandbits(k)` for any k, as 32-bit words, least significant first. Every word but the
    /// last takes a full draw; the last keeps the top bits of its draw, as CPython does.
    public mutating func getrandbitsWords(_ bitCount: Int) -> [UInt32] {
        precondition(bitCount >= 0, "getrandbits needs a non-negative bit count")
        if bitCount == 0 { return [] }
        if bitCount <= 32 { return [twister.next32() >> UInt32(32 - bitCount)] }
        var words: [UInt32] = []
        var remaining = bitCount
        while remaining > 0 {
            let draw = twister.next32()
            words.append(remaining < 32 ? draw >> UInt32(32 - remaining) : draw)
            remaining -= 32
        }
        return words
    }

    /// `_randbelow(n)` by rejection on `getrandbits(n.bit_length())`. CPython loops forever for
    /// `n == 0`; here that is a precondition.
    public mutating func randbelow(_ upperBound: Int) -> Int {
        precondition(upperBound > 0, "randbelow needs a positive bound")
        let bitLength = Int.bitWidth - upperBound.leadingZeroBitCount
        var candidate = getrandbits(bitLength)
        while candidate >= UInt64(upperBound) { candidate = getrandbits(bitLength) }
        return Int(candidate)
    }

    /// `randint(a, b)`: uniform in the closed range.
    public mutating func randint(_ lowerBound: Int, _ upperBound: Int) -> Int {
        precondition(lowerBound <= upperBound, "randint needs a <= b")
        return lowerBound + randbelow(upperBound - lowerBound + 1)
    }

    /// `choice(seq)`.
    public mutating func choice<Element>(_ elements: [Element]) -> Element {
        precondition(!elements.isEmpty, "choice from an empty sequence")
        return elements[randbelow(elements.count)]
    }

    /// `shuffle(x)` in place (Fisher–Yates from the end, as CPython).
    public mutating func shuffle<Element>(_ elements: inout [Element]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            let j = randbelow(i + 1)
            elements.swapAt(i, j)
        }
    }

    /// `sample(population, k)` without replacement, with both of CPython's algorithms: a shrinking
    /// pool when the population is small next to k, rejection of repeated indices otherwise.
    public mutating func sample<Element>(_ population: [Element], count k: Int) -> [Element] {
        sampleIndices(populationCount: population.count, count: k).map { population[$0] }
    }

    /// The population indices `sample` would pick, in order.
    public mutating func sampleIndices(populationCount n: Int, count k: Int) -> [Int] {
        precondition((0...n).contains(k), "sample larger than population or negative")
        var result: [Int] = []
        result.reserveCapacity(k)
        if n <= Self.sampleSetSize(k) {
            var pool = Array(0..<n)
            for i in 0..<k {
                let j = randbelow(n - i)
                result.append(pool[j])
                pool[j] = pool[n - i - 1]
            }
        } else {
            var selected = Set<Int>()
            for _ in 0..<k {
                var j = randbelow(n)
                while selected.contains(j) { j = randbelow(n) }
                selected.insert(j)
                result.append(j)
            }
        }
        return result
    }

    /// CPython's threshold: `21`, plus `4 ** ceil(log(3k, 4))` when k > 5 (a float log, as there).
    static func sampleSetSize(_ k: Int) -> Int {
        guard k > 5 else { return 21 }
        let exponent = (log(Double(k * 3)) / log(4.0)).rounded(.up)
        return 21 + Int(pow(4.0, exponent))
    }
}

extension UInt {
    fileprivate var wordsLittleEndian32: [UInt32] {
        var words: [UInt32] = []
        var rest = UInt64(self)
        repeat {
            words.append(UInt32(truncatingIfNeeded: rest))
            rest >>= 32
        } while rest != 0
        return words
    }
}
