import CZstd

/// A zstd compression context used for one frame after another (one frame per tensor).
final class ZstdCompressor {
    private let context: OpaquePointer
    private var output = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())

    init?(level: Int) {
        guard let context = ZSTD_createCCtx() else { return nil }
        self.context = context
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level))
    }

    deinit { ZSTD_freeCCtx(context) }

    /// Starts a frame of `size` bytes (recorded in the frame header).
    func begin(size: Int) throws -> Void {
        ZSTD_CCtx_reset(context, ZSTD_reset_session_only)
        try check(ZSTD_CCtx_setPledgedSrcSize(context, UInt64(size)))
    }

    /// Compresses `bytes` (ending the frame when `last`), handing compressed output to `sink`.
    func feed(_ bytes: UnsafeRawBufferPointer, last: Bool, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        let directive = last ? ZSTD_e_end : ZSTD_e_continue
        while true {
            let (remaining, produced) = try output.withUnsafeMutableBytes { buffer -> (Int, Int) in
                var out = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
                let result = ZSTD_compressStream2(context, &out, &input, directive)
                try check(result)
                return (result, out.pos)
            }
            if produced > 0 { try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
            let finished = last ? remaining == 0 : input.pos == input.size
            if finished { return }
        }
    }

    private func check(_ code: Int) throws {
        if ZSTD_isError(code) != 0 { throw ZstdFailure(reason: String(cString: ZSTD_getErrorName(code))) }
    }
}

/// A zstd decompression context: decodes one whole frame in pieces.
final class ZstdDecompressor {
    private let context: OpaquePointer
    private var output = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())

    init?() {
        guard let context = ZSTD_createDCtx() else { return nil }
        self.context = context
    }

    deinit { ZSTD_freeDCtx(context) }

    /// The content size the frame header declares, or nil if absent or unreadable.
    static func declaredSize(of frame: UnsafeRawBufferPointer) -> UInt64? {
        guard let base = frame.baseAddress else { return nil }
        let size = ZSTD_getFrameContentSize(base, frame.count)
        return size >= UInt64.max - 1 ? nil : size
    }

    /// Decodes exactly one frame occupying all of `frame`; `sink` receives the decoded bytes in order.
    func decode(_ frame: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        ZSTD_DCtx_reset(context, ZSTD_reset_session_only)
        var input = ZSTD_inBuffer(src: frame.baseAddress, size: frame.count, pos: 0)
        var lastResult = 1
        while true {
            let (result, produced) = try output.withUnsafeMutableBytes { buffer -> (Int, Int) in
                var out = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
                let result = ZSTD_decompressStream(context, &out, &input)
                if ZSTD_isError(result) != 0 { throw ZstdFailure(reason: String(cString: ZSTD_getErrorName(result))) }
                return (result, out.pos)
            }
            if produced > 0 { try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
            lastResult = result
            if result == 0 { break }  // frame complete
            if input.pos == input.size, produced == 0 { break }  // no progress possible: truncated
        }
        guard lastResult == 0 else { throw ZstdFailure(reason: "the frame ends early") }
        guard input.pos == input.size else { throw ZstdFailure(reason: "bytes follow the frame") }
    }
}

struct ZstdFailure: Error {
    var reason: String
}
