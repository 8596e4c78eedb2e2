import CQuantKernels
import Foundation
import Tensors

/// A copy of a quantized matrix's rows in the decode panel layout (`qk_panel_pack`): 16 blocks'
/// codes interleaved so the one-row kernels add them in integer lanes (AVX-512 VNNI: one dpbusd per 64
/// bytes; AVX2: maddubs into int16 or int32 lanes) and do the float work once per group. Decode of ggml Q4_0/Q4_1 blocks in place was
/// bound by unpacking (4-bit about 13 GB/s against 22 GB/s for 8-bit on Zen 5); the panels hold the
/// same bytes (a half scale per block, codes, offsets) rearranged, so decode reads as many bytes as
/// before. Prefill and the other variants keep reading the matrix as stored.
public struct DecodePanels: Sendable {
    let storage: HugePageMemory
    let rowBytes: Int

    /// Bytes of the packed copy.
    public var byteCount: Int { storage.bytes.count }

    /// Packs `matrix` when `variant` runs on this CPU and reads panels of this scheme (AVX-512 VNNI:
    /// ggml blocks and grouped schemes with f16 scales; AVX2: the same but 8-bit codes with
    /// offsets); nil otherwise.
    /// Packing settles the tile the kernels read this matrix's panels with (`DecodeTiling`), timing
    /// it the first time a matrix of its class is packed.
    public init?(_ matrix: QuantizedMatrix, variant: KernelVariant = .preferred) {
        self.init(packing: matrix, variant: variant)
        var descriptor = QuantizedLinear.kernelMatrix(matrix, matrix.layout)
        if let tileClass = DecodeTiling.TileClass(rawValue: withUnsafePointer(to: &descriptor) { qk_panel_tile_class_of($0) }) {
            DecodeTiling.settle(tileClass, variant: variant, columns: matrix.columns)
        }
    }

    /// Packs without settling the tile (`DecodeTiling` times its own panels with it).
    init?(packing matrix: QuantizedMatrix, variant: KernelVariant) {
        // Without the CPU check a machine without AVX-512 packed panels for a kernel it cannot run
        // (a copy of every quantized matrix nobody read; the bench that asked for them trapped).
        guard matrix.rows > 0, matrix.columns > 0 else { return nil }
        var descriptor = QuantizedLinear.kernelMatrix(matrix, matrix.layout)
        let readable = withUnsafePointer(to: &descriptor) { qk_panels_read(variant.rawValue, $0) }
        let rowBytes = withUnsafePointer(to: &descriptor) { qk_panel_row_bytes($0) }
        guard readable != 0, rowBytes > 0 else { return nil }
        let rows = matrix.rows
        storage = withExtendedLifetime(matrix) {
            HugePageMemory(count: rows * rowBytes) { base in
                withUnsafePointer(to: &descriptor) { weights in
                    ThreadPool.shared.parallelFor(rows, minimumChunk: 256) { range in
                        qk_panel_pack(weights, range.lowerBound, range.upperBound, base + range.lowerBound * rowBytes)
                    }
                }
            }
        }
        self.rowBytes = rowBytes
    }
}
