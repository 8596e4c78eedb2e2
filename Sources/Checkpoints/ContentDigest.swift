import Foundation
import Tensors

/// A 64-bit fingerprint of a tensor's bytes: xxHash64's round function over four lanes of 32-byte
/// stripes, then its avalanche. `--verify` compares a written output with the digests of what was
/// handed to the writer, so it reads the output once instead of reading the input a second time.
/// It catches lost, moved or changed bytes with overwhelming probability; it is not a cryptographic
/// hash (use `SHA256` where an adversary chooses the bytes).
public struct ContentDigest: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64

    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9

    public init(of bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        var hash = UInt64(truncatingIfNeeded: count) &+ Self.prime3
        var offset = 0
        if let base = bytes.baseAddress {
            if count >= 32 {
                var lane0 = Self.prime1 &+ Self.prime2, lane1 = Self.prime2, lane2: UInt64 = 0, lane3 = 0 &- Self.prime1
                while offset + 32 <= count {
                    lane0 = Self.round(lane0, base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                    lane1 = Self.round(lane1, base.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
                    lane2 = Self.round(lane2, base.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
                    lane3 = Self.round(lane3, base.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self))
                    offset += 32
                }
                hash = hash &+ Self.rotate(lane0, 1) &+ Self.rotate(lane1, 7) &+ Self.rotate(lane2, 12) &+ Self.rotate(lane3, 18)
            }
            while offset + 8 <= count {
                hash = Self.round(hash, base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                offset += 8
            }
            while offset < count {
                hash = Self.round(hash, UInt64(base.load(fromByteOffset: offset, as: UInt8.self)))
                offset += 1
            }
        }
        hash ^= hash >> 33
        hash = hash &* Self.prime2
        hash ^= hash >> 29
        hash = hash &* Self.prime3
        hash ^= hash >> 32
        value = hash
    }

    public var description: String { String(value, radix: 16) }

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotate(accumulator &+ input &* prime2, 31) &* prime1
    }

    @inline(__always)
    private static func rotate(_ value: UInt64, _ bits: UInt64) -> UInt64 {
        value << bits | value >> (64 - bits)
    }
}

/// A source that records the digest of every tensor it hands out (the bytes a writer is given).
public final class DigestRecordingSource: TensorSource, @unchecked Sendable {
    public let base: TensorSource
    private let lock = NSLock()
    private var recorded: [String: ContentDigest] = [:]

    public init(_ base: TensorSource) { self.base = base }

    public var location: String { base.location }
    public var tensorInfos: [TensorInfo] { base.tensorInfos }
    public var metadata: [String: String] { base.metadata }

    public func tensor(named name: String) throws -> Tensor {
        let tensor = try base.tensor(named: name)
        let digest = ContentDigest(of: tensor.bytes)
        lock.withLock { recorded[name] = digest }
        return tensor
    }

    /// The digests recorded so far, by tensor name.
    public var digests: [String: ContentDigest] { lock.withLock { recorded } }
}
