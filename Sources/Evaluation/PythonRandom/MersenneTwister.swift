/// MT19937 as CPython's `_randommodule.c` runs it, including its seeding from an integer key.
struct MersenneTwister: Sendable {
    private static let stateSize = 624
    private static let shiftSize = 397
    private static let matrixA: UInt32 = 0x9908_B0DF
    private static let upperMask: UInt32 = 0x8000_0000
    private static let lowerMask: UInt32 = 0x7FFF_FFFF

    private var state = [UInt32](repeating: 0, count: MersenneTwister.stateSize)
    private var index = MersenneTwister.stateSize + 1

    /// CPython seeds from an int by splitting |seed| into 32-bit words, least significant first,
    /// and always runs `init_by_array` (an empty key becomes `[0]`).
    init(key: [UInt32]) {
        initByArray(key.isEmpty ? [0] : key)
    }

    private mutating func initGenrand(_ seed: UInt32) {
        state[0] = seed
        for i in 1..<Self.stateSize {
            let previous = state[i - 1]
            state[i] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
        }
        index = Self.stateSize
    }

    private mutating func initByArray(_ key: [UInt32]) {
        initGenrand(19_650_218)
        let n = Self.stateSize
        var i = 1
        var j = 0
        for _ in 0..<max(n, key.count) {
            let previous = state[i - 1]
            state[i] = (state[i] ^ ((previous ^ (previous >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(truncatingIfNeeded: j)
            i += 1
            j += 1
            if i >= n { state[0] = state[n - 1]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<(n - 1) {
            let previous = state[i - 1]
            state[i] = (state[i] ^ ((previous ^ (previous >> 30)) &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= n { state[0] = state[n - 1]; i = 1 }
        }
        state[0] = 0x8000_0000
    }

    private mutating func regenerate() {
        let n = Self.stateSize
        let m = Self.shiftSize
        for k in 0..<n {
            let y = (state[k] & Self.upperMask) | (state[(k + 1) % n] & Self.lowerMask)
            state[k] = state[(k + m) % n] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : Self.matrixA)
        }
        index = 0
    }

    /// The next tempered 32-bit output (`genrand_uint32`).
    mutating func next32() -> UInt32 {
        if index >= Self.stateSize { regenerate() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }
}
