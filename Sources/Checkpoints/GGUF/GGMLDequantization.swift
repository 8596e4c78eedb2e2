import Tensors

/// Expands ggml's stored element types to Float, block by block, with the arithmetic of ggml's
/// reference `dequantize_row_*` (ggml-quants.c) so that results match it bit for bit.
///
/// Block layouts (little-endian, f16 = IEEE half) are in formats/gguf.md.
public enum GGMLDequantization {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unsupported(GGMLType)
        case sizeMismatch(type: GGMLType, bytes: Int, values: Int)

        public var description: String {
            switch self {
            case let .unsupported(type): return "dequantizing \(type) is not supported"
            case let .sizeMismatch(type, bytes, values):
                return "\(bytes) bytes of \(type) do not hold exactly \(values) values"
            }
        }
    }

    public static let supportedTypes: Set<GGMLType> = [
        .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl,
    ]

    public static func supports(_ type: GGMLType) -> Bool { supportedTypes.contains(type) }

    /// Dequantizes `source` (whole blocks of `type`) into `target`, whose count fixes how many
    /// values are expected. Large inputs are split across the shared thread pool by block ranges.
    public static func dequantize(_ source: UnsafeRawBufferPointer, type: GGMLType, into target: UnsafeMutableBufferPointer<Float>) throws {
        try validate(source, type: type, count: target.count)
        run(source, type: type, into: target)
    }

    /// Convenience: dequantizes into a new array of `count` values.
    public static func dequantize(_ source: UnsafeRawBufferPointer, type: GGMLType, count: Int) throws -> [Float] {
        try validate(source, type: type, count: count)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            run(source, type: type, into: buffer)
            initialized = count
        }
    }

    private static func validate(_ source: UnsafeRawBufferPointer, type: GGMLType, count: Int) throws {
        guard supports(type) else { throw Failure.unsupported(type) }
        guard type.byteCount(elements: count) == source.count else {
            throw Failure.sizeMismatch(type: type, bytes: source.count, values: count)
        }
    }

    private static func run(_ source: UnsafeRawBufferPointer, type: GGMLType, into target: UnsafeMutableBufferPointer<Float>) {
        let blocks = target.count / type.blockSize
        let blockFunction = kernel(for: type)
        let blockBytes = type.blockByteCount
        let valuesPerBlock = type.blockSize
        ThreadPool.shared.parallelFor(blocks, minimumChunk: max(1, 16384 / valuesPerBlock)) { range in
            for block in range {
                let input = UnsafeRawBufferPointer(rebasing: source[block * blockBytes..<(block + 1) * blockBytes])
                let output = UnsafeMutableBufferPointer(rebasing: target[block * valuesPerBlock..<(block + 1) * valuesPerBlock])
                blockFunction(input, output)
            }
        }
    }

    typealias BlockKernel = (UnsafeRawBufferPointer, UnsafeMutableBufferPointer<Float>) -> Void

    static func kernel(for type: GGMLType) -> BlockKernel {
        switch type {
        case .f32: return { input, output in for i in 0..<output.count { output[i] = Float(bitPattern: input.u32(i * 4)) } }
        case .f16: return { input, output in for i in 0..<output.count { output[i] = input.half(i * 2) } }
        case .bf16:
            return { input, output in for i in 0..<output.count { output[i] = HalfPrecision.float(fromBFloat16Bits: input.u16(i * 2)) } }
        case .q8_0: return q8_0
        case .q4_0: return q4_0
        case .q4_1: return q4_1
        case .q5_0: return q5_0
        case .q5_1: return q5_1
        case .q4_K: return q4_K
        case .q5_K: return q5_K
        case .q6_K: return q6_K
        case .q2_K: return q2_K
        case .q3_K: return q3_K
        case .iq4_nl: return iq4_nl
        default: return { _, output in output.initialize(repeating: .nan) }
        }
    }

    // Q8_0: f16 d; i8 qs[32].
    static func q8_0(_ block: UnsafeRawBufferPointer, _ y: UnsafeMutableBufferPointer<Float>) {
        let d = block.half(0)
        for j in 0..<32 { y[j] = Float(Int8(bitPattern: block[2 + j])) * d }
    }

    // Q4_0: f16 d; u8 qs[16]; low nibbles are values 0..15, high nibbles 16..31.
    static func q4_0(_ block: UnsafeRawBufferPointer, _ y: UnsafeMutableBufferPointer<Float>) {
        let d = block.half(0)
        for j in 0..<16 {
            let byte = block[2 + j]
            y[j] = Float(Int(byte & 0x0F) - 8) * d
            y[j + 16] = Float(Int(byte >> 4) - 8) * d
        }
    }

    // Q4_1: f16 d; f16 m; u8 qs[16].
    static func q4_1(_ block: UnsafeRawBufferPointer, _ y: UnsafeMutableBufferPointer<Float>) {
        let d = block.half(0), m = block.half(2)
        for j in 0..<16 {
            let byte = block[4 + j]
            y[j] = Float(byte & 0x0F) * d + m
            y[j + 16] = Float(byte >> 4) * d + m
        }
    }

    /// The fifth bit of value j (0..<16) and of value j + 16, from Q5's 32-bit `qh`, as 0 or 16.
    @inline(__always)
    private static func fifthBits(_ qh: UInt32, _ j: Int) -> (low: UInt8, high: UInt8) {
        (UInt8(truncatingIfNeeded: (qh >> UInt32(j)) << 4) & 0x10, UInt8(truncatingIfNeeded: qh >> UInt32(j + 12)) & 0x10)
    }

    // Q5_0: f16 d; u8 qh[4]; u8 qs[16].
    static func q5_0(_ block: UnsafeRawBufferPointer, _ y: UnsafeMutableBufferPointer<Float>) {
        let d = block.half(0)
        let qh = block.u32(2)
        for j in 0..<16 {
            let byte = block[6 + j]
            let (low, high) = fifthBits(qh, j)
            y[j] = Float(Int32((byte & 0x0F) | low) - 16) * d
            y[j + 16] = Float(Int32((byte >> 4) | high) - 16) * d
        }
    }

    // Q5_1: f16 d; f16 m; u8 qh[4]; u8 qs[16].
    static func q5_1(_ block: UnsafeRawBufferPointer, _ y: UnsafeMutableBufferPointer<Float>) {
        let d = block.half(0), m = block.half(2)
        let qh = block.u32(4)
        for j in 0..<16 {
            let byte = block[8 + j]
            let (low, high) = fifthBits(qh, j)
            y[j] = Float((byte & 0x0F) | low) * d + m
            y[j + 16] = Float((byte >> 4) | high) * d + m
        }
    }

    /// The 6-bit scale and min of sub-block `j` (0..<8) from K-quants' 12 packed bytes at `at`.
    @inline(__always)
    static func scaleAndMin(_ block: UnsafeRawBufferPointer, at base: Int, _ j: Int) -> (scale: UInt8, min: UInt8) {
        if j < 4 { return (block[base + j] & 63, block[base + j + 4] & 63) }
        let scale = (block[base + j + 4] & 0x0F) | ((block[base + j - 4] >> 6) << 4)
        let min = (block[base + j + 4] >> 4) | ((block[base + j] >> 6) << 4)
        return (scale, min)
    }

    // Q4_K: f16 d; f16 dmin; u8 scales[12]; u8 qs[128]. Each 64 values share 32 bytes: low
    // nibbles form sub-block 2k, high nibbles sub-block 2k + 1.
    static func q4_K(_ block: UnsafeRawBufferPointer, _ y: UnsafeMutableBufferPointer<Float>) {
        let d = block.half(0), dmin = block.half(2)
        for chunk in 0..<4 {
            let (sc1, m1) = scaleAndMin(block, at: 4, 2 * chunk)
            let (sc2, m2) = scaleAndMin(block, at: 4, 2 * chunk + 1)
            let d1 = d * Float(sc1), min1 = dmin * Float(m1)
            let d2 = d * Float(sc2), min2 = dmin * Float(m2)
            let q = 16 + 32 * chunk
            for l in 0..<32 {
                let byte = block[q + l]
                y[64 * chunk + l] = d1 * Float(byte & 0x0F) - min1
                y[64 * chunk + 32 + l] = d2 * Float(byte >> 4) - min2
            }
        }
    }

    // Q5_K: f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]. Like Q4_K plus a fifth bit
    // taken from qh, two bit positions per 64-value chunk.
    static func q5_K(_ block: UnsafeRawBufferPointer, _ y: UnsafeMutableBufferPointer<Float>) {
        let d = block.half(0), dmin = block.half(2)
        let qh = 16, qs = 48
        for chunk in 0..<4 {
            let (sc1, m1) = scaleAndMin(block, at: 4, 2 * chunk)
            let (sc2, m2) = scaleAndMin(block, at: 4, 2 * chunk + 1)
            let d1 = d * Float(sc1), min1 = dmin * Float(m1)
            let d2 = d * Float(sc2), min2 = dmin * Float(m2)
            let lowMask: UInt8 = 1 << (2 * chunk), highMask: UInt8 = 2 << (2 * chunk)
            for l in 0..<32 {
                let byte = block[qs + 32 * chunk + l], high = block[qh + l]
                let q1 = Int(byte & 0x0F) + (high & lowMask != 0 ? 16 : 0)
                let q2 = Int(byte >> 4) + (high & highMask != 0 ? 16 : 0)
                y[64 * chunk + l] = d1 * Float(q1) - min1
                y[64 * chunk + 32 + l] = d2 * Float(q2) - min2
            }
        }
    }

    // Q6_K: u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d (last). Each 128-value half uses 64 ql
    // bytes, 32 qh bytes and 8 scales; value = d * scale * (6-bit q - 32).
    static func q6_K(_ block: UnsafeRawBufferPointer, _ y: UnsafeMutableBufferPointer<Float>) {
        let d = block.half(208)
        for half in 0..<2 {
            let ql = 64 * half, qh = 128 + 32 * half, sc = 192 + 8 * half, out = 128 * half
            for l in 0..<32 {
                let scale = l / 16
                let h = block[qh + l]
                let q1 = Int8(bitPattern: (block[ql + l] & 0x0F) | (((h >> 0) & 3) << 4)) - 32
                let q2 = Int8(bitPattern: (block[ql + l + 32] & 0x0F) | (((h >> 2) & 3) << 4)) - 32
                let q3 = Int8(bitPattern: (block[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32
                let q4 = Int8(bitPattern: (block[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32
                y[out + l] = d * Float(Int8(bitPattern: block[sc + scale])) * Float(q1)
                y[out + l + 32] = d * Float(Int8(bitPattern: block[sc + scale + 2])) * Float(q2)
                y[out + l + 64] = d * Float(Int8(bitPattern: block[sc + scale + 4])) * Float(q3)
                y[out + l + 96] = d * Float(Int8(bitPattern: block[sc + scale + 6])) * Float(q4)
            }
        }
    }

    // Q2_K: u8 scales[16] (low nibble scale, high nibble minimum, per 16 values); u8 qs[64]; f16 d;
    // f16 dmin. Each 128 values take 32 qs bytes, four 2-bit fields a byte: field k of bytes 0–15
    // (16–31) is the k-th group of 32's first (second) 16 values. value = d·sc·q − dmin·m.
    static func q2_K(_ block: UnsafeRawBufferPointer, _ y: UnsafeMutableBufferPointer<Float>) {
        let d = block.half(80), dmin = block.half(82)
        for group in 0..<16 {
            let scales = block[group], bytes = 16 + 32 * (group / 8) + 16 * (group % 2), shift = 2 * ((group % 8) / 2)
            let scale = d * Float(scales & 0x0F), minimum = dmin * Float(scales >> 4)
            for l in 0..<16 { y[16 * group + l] = scale * Float((block[bytes + l] >> shift) & 3) - minimum }
        }
    }

    // Q3_K: u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d. Codes as Q2_K's, each with a third bit:
    // bit k of hmask[l] (k = the group of 32 counted over the whole block) clear means q − 4. Sixteen
    // 6-bit scales (minus 32): low four bits from the nibbles of bytes 0–7 (low nibbles first), high two
    // bits from bytes 8–11, two bits per scale. value = d·(sc − 32)·q.
    static func q3_K(_ block: UnsafeRawBufferPointer, _ y: UnsafeMutableBufferPointer<Float>) {
        let d = block.half(108)
        for group in 0..<16 {
            let low = (block[96 + group % 8] >> (4 * (group / 8))) & 0x0F
            let high = (block[104 + group % 4] >> (2 * (group / 4))) & 3
            let scale = d * Float(Int(low | high << 4) - 32)
            let bytes = 32 + 32 * (group / 8) + 16 * (group % 2), shift = 2 * ((group % 8) / 2), bit = group / 2
            for l in 0..<16 {
                let mask = 16 * (group % 2) + l
                let q = Int((block[bytes + l] >> shift) & 3) - ((block[mask] >> bit) & 1 == 0 ? 4 : 0)
                y[16 * group + l] = scale * Float(q)
            }
        }
    }

    /// IQ4_NL's 16 code values (ggml's kvalues_iq4nl): a non-linear 4-bit grid.
    static let iq4NonLinearValues: [Int8] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

    // IQ4_NL: f16 d; u8 qs[16], nibbles as Q4_0's; value = d·grid[q].
    static func iq4_nl(_ block: UnsafeRawBufferPointer, _ y: UnsafeMutableBufferPointer<Float>) {
        let d = block.half(0)
        for j in 0..<16 {
            y[j] = d * Float(iq4NonLinearValues[Int(block[2 + j] & 0x0F)])
            y[j + 16] = d * Float(iq4NonLinearValues[Int(block[2 + j] >> 4)])
        }
    }
}

fileprivate extension UnsafeRawBufferPointer {
    @inline(__always) func u16(_ offset: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    @inline(__always) func u32(_ offset: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    @inline(__always) func half(_ offset: Int) -> Float { HalfPrecision.float(fromHalfBits: u16(offset)) }
}
