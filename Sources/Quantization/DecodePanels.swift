import CQuantKernels
import Foundation
import Tensors

/// A copy of a quantized matrix's rows in the decode panel layout (`qk_panel_pack`): 16 blocks'
/// codes interleaved so the AVX-512 VNNI one-row kernel adds them in integer lanes with one dpbusd per
/// 64 bytes and does the float work once per 16 blocks. Decode of ggml Q4_0/Q4_1 blocks in place was
/// bound by unpacking (4-bit about 13 GB/s against 22 GB/s for 8-bit on Zen 5); the panels hold the
/// same bytes (a half scale per block, codes, offsets) rearranged, so decode reads as many bytes as
/// before. Prefill and the other variants keep reading the matrix as stored.
public struct DecodePanels: Sendable {
    let storage: PanelMemory
    let rowBytes: Int

    /// Bytes of the packed copy.
    public var byteCount: Int { storage.bytes.count }

    /// Packs `matrix` when `variant` reads panels (AVX-512 VNNI) and the scheme has a panel form (ggml
    /// blocks, grouped schemes with f16 scales); nil otherwise.
    public init?(_ matrix: QuantizedMatrix, variant: KernelVariant = .preferred) {
        guard variant == .avx512VNNI, matrix.rows > 0, matrix.columns > 0 else { return nil }
        var descriptor = QuantizedLinear.kernelMatrix(matrix, matrix.layout)
        let rowBytes = withUnsafePointer(to: &descriptor) { qk_panel_row_bytes($0) }
        guard rowBytes > 0 else { return nil }
        let rows = matrix.rows
        storage = withExtendedLifetime(matrix) {
            PanelMemory(count: rows * rowBytes) { base in
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

/// Anonymous memory for panels, asked for in 2 MiB huge pages (`MADV_HUGEPAGE`; the VMs run
/// transparent huge pages in madvise mode): decode walks every panel once per token, and with 4 KiB
/// pages a 135M-parameter model's 86 MB of 4-bit panels cost 21,000 TLB misses a token.
final class PanelMemory: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer
    private let mappedCount: Int

    init(count: Int, fill: (UnsafeMutablePointer<UInt8>) -> Void) {
        let huge = 2 << 20
        mappedCount = max(huge, (count + huge - 1) / huge * huge)
        guard let mapped = mmap(nil, mappedCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              mapped != MAP_FAILED else {
            fatalError("cannot map \(mappedCount) bytes for decode panels")
        }
        mapping = mapped
        _ = madvise(mapped, mappedCount, MADV_HUGEPAGE)  // a hint: without huge pages it still works
        fill(mapped.assumingMemoryBound(to: UInt8.self))
        bytes = UnsafeRawBufferPointer(start: mapped, count: count)
    }

    deinit { munmap(mapping, mappedCount) }
}
