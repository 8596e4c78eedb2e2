import Checkpoints
import Tensors

/// ggml blocks of random bytes whose f16 scale fields are set to small values of either sign (random
/// bits there would often be infinities or NaNs), as scripts/oracles/gguf_fixtures.py makes the
/// k-quant blocks gguf-py cannot quantize.
public enum RandomGGMLBlocks {
    /// Byte offsets of each block's f16 fields (scales, minima) by type.
    static let halfFields: [GGMLType: [Int]] = [
        .q8_0: [0], .q4_0: [0], .q4_1: [0, 2], .q5_0: [0], .q5_1: [0, 2], .q4_K: [0, 2], .q5_K: [0, 2], .q6_K: [208],
        .q2_K: [80, 82], .q3_K: [108], .iq4_nl: [0],
    ]

    /// `rows` rows of `columns` values (a whole number of blocks) as `type`'s blocks, row after row.
    public static func bytes(
        _ type: GGMLType, rows: Int, columns: Int, scales: ClosedRange<Float> = 1e-4...2e-2, using generator: inout SeededGenerator
    ) -> [UInt8] {
        let blockBytes = type.blockByteCount
        let blocks = rows * columns / type.blockSize
        var bytes = (0..<blocks * blockBytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for block in 0..<blocks {
            for field in halfFields[type] ?? [] {
                let value = Float.random(in: scales, using: &generator) * (Bool.random(using: &generator) ? 1 : -1)
                let bits = HalfPrecision.halfBits(from: value)
                bytes[block * blockBytes + field] = UInt8(bits & 0xFF)
                bytes[block * blockBytes + field + 1] = UInt8(bits >> 8)
            }
        }
        return bytes
    }
}
