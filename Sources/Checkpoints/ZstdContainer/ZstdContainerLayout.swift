import Tensors

/// Fixed parts of the container layout (formats/zstd-container.md).
public enum ZstdContainer {
    public static let fileExtension = ".mzst"
    /// "MZST" then the version as u32 little-endian.
    public static let headerMagic = Array("MZST".utf8)
    public static let version: UInt32 = 1
    public static let headerSize = 8
    /// index offset u64, index length u64, XXH64 of the index u64, "MZSTINDX".
    public static let footerMagic = Array("MZSTINDX".utf8)
    public static let footerSize = 32
    /// The most a zstd frame can expand: a 128 KiB RLE block is 4 bytes (3-byte header, 1 byte), so
    /// no frame decodes to more than 32768 times its size. Larger claims are refused before any
    /// buffer is allocated for them.
    public static let maximumExpansion = 32768

    /// One tensor's entry in the index.
    public struct Entry: Sendable, Equatable {
        public var info: TensorInfo
        /// Frame position in the file.
        public var offset: Int
        public var compressedSize: Int
        /// 1, or the element width when the bytes were split into planes before compression.
        public var bytePlanes: Int
        /// XXH64 (seed 0) of the tensor's raw bytes (before any plane split).
        public var checksum: UInt64
    }

    /// The number of planes used for `dtype` when splitting is asked for: 2-, 4- and 8-byte types.
    static func planes(for dtype: DType, split: Bool) -> Int {
        guard split, let width = dtype.byteWidth, [2, 4, 8].contains(width) else { return 1 }
        return width
    }
}
