import Foundation

/// A dense, row-major, little-endian tensor: shape, element type and the bytes that hold it.
///
/// Tensors are values; their storage is immutable and shared, so copying a tensor never copies data.
public struct Tensor: Sendable {
    public let dtype: DType
    public let shape: [Int]
    public let storage: Storage

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case negativeDimension([Int])
        case sizeOverflow([Int], DType)
        case byteCountMismatch(expected: Int, actual: Int)
        case notConvertible(DType)

        public var description: String {
            switch self {
            case let .negativeDimension(shape): return "shape \(shape) has a negative dimension"
            case let .sizeOverflow(shape, dtype): return "shape \(shape) of \(dtype) is too large to address"
            case let .byteCountMismatch(expected, actual): return "expected \(expected) bytes of data, found \(actual)"
            case let .notConvertible(dtype): return "\(dtype) tensors cannot be converted to numbers"
            }
        }
    }

    /// Number of elements for `shape`, or nil on overflow or a negative dimension.
    public static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dim in shape {
            guard dim >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Wraps existing bytes; fails unless they hold exactly `shape` elements of `dtype`.
    public init(dtype: DType, shape: [Int], storage: Storage) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw Failure.negativeDimension(shape) }
        guard let count = Tensor.elementCount(of: shape), let bytes = dtype.byteCount(elements: count) else {
            throw Failure.sizeOverflow(shape, dtype)
        }
        guard bytes == storage.bytes.count else { throw Failure.byteCountMismatch(expected: bytes, actual: storage.bytes.count) }
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
    }

    /// A new tensor holding `values` (count must equal the product of `shape`).
    public init<Scalar: TensorScalar>(_ values: [Scalar], shape: [Int]) {
        precondition(Tensor.elementCount(of: shape) == values.count, "\(values.count) values do not fill shape \(shape)")
        let storage = values.withUnsafeBytes { Storage(copying: $0) }
        self.dtype = Scalar.dtype
        self.shape = shape
        self.storage = storage
    }

    public var elementCount: Int { Tensor.elementCount(of: shape) ?? 0 }
    public var byteCount: Int { storage.bytes.count }
    public var rank: Int { shape.count }

    /// The raw bytes, little-endian, row-major.
    public var bytes: UnsafeRawBufferPointer { storage.bytes }

    /// The elements as `Scalar`, which must be this tensor's own element type.
    public func scalars<Scalar: TensorScalar>(as _: Scalar.Type = Scalar.self) -> [Scalar] {
        precondition(Scalar.dtype == dtype, "tensor holds \(dtype), not \(Scalar.dtype)")
        return [Scalar](unsafeUninitializedCapacity: elementCount) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
            initialized = elementCount
        }
    }

    /// The elements widened or converted to Float (floats exactly, integers by value).
    public func floats() throws -> [Float] {
        try [Float](unsafeUninitializedCapacity: elementCount) { buffer, initialized in
            try Tensor.widen(bytes, dtype: dtype, into: buffer)
            initialized = elementCount
        }
    }

    /// Large tensors are widened in slices on the thread pool: a 7B model's matrices are faulted in
    /// from the mapped file and widened at twice the rate with two threads.
    private static func widen(_ source: UnsafeRawBufferPointer, dtype: DType, into target: UnsafeMutableBufferPointer<Float>) throws {
        let slice = 1 << 18
        guard let width = dtype.byteWidth, target.count > slice, source.count == target.count * width else {
            return try ElementConversion.toFloat32(source, dtype: dtype, into: target)
        }
        var failure: Error?
        let failureLock = NSLock()
        ThreadPool.shared.parallelFor((target.count + slice - 1) / slice) { slices in
            let elements = slices.lowerBound * slice..<min(slices.upperBound * slice, target.count)
            do {
                try ElementConversion.toFloat32(
                    UnsafeRawBufferPointer(rebasing: source[elements.lowerBound * width..<elements.upperBound * width]),
                    dtype: dtype, into: UnsafeMutableBufferPointer(rebasing: target[elements]))
            } catch {
                failureLock.withLock { failure = error }
            }
        }
        if let failure { throw failure }
    }

    /// A copy of this tensor converted to `target` (one of f32, f16, bf16; rounding to nearest even).
    public func converted(to target: DType) throws -> Tensor {
        if target == dtype { return self }
        let values = try floats()
        return try Tensor(floats: values, shape: shape, dtype: target)
    }

    /// Floats stored as `dtype` (f32, f16 or bf16).
    public init(floats values: [Float], shape: [Int], dtype: DType) throws {
        precondition(Tensor.elementCount(of: shape) == values.count, "\(values.count) values do not fill shape \(shape)")
        guard let byteCount = dtype.byteCount(elements: values.count) else { throw Failure.sizeOverflow(shape, dtype) }
        let storage = try values.withUnsafeBufferPointer { source in
            try Storage(count: byteCount) { try ElementConversion.fromFloat32(source, into: $0, dtype: dtype) }
        }
        try self.init(dtype: dtype, shape: shape, storage: storage)
    }
}

/// Swift types that are the element type of a tensor.
public protocol TensorScalar: Sendable {
    static var dtype: DType { get }
}

extension Float: TensorScalar { public static var dtype: DType { .f32 } }
extension Double: TensorScalar { public static var dtype: DType { .f64 } }
extension Int64: TensorScalar { public static var dtype: DType { .i64 } }
extension Int32: TensorScalar { public static var dtype: DType { .i32 } }
extension Int16: TensorScalar { public static var dtype: DType { .i16 } }
extension Int8: TensorScalar { public static var dtype: DType { .i8 } }
extension UInt64: TensorScalar { public static var dtype: DType { .u64 } }
extension UInt32: TensorScalar { public static var dtype: DType { .u32 } }
extension UInt16: TensorScalar { public static var dtype: DType { .u16 } }
extension UInt8: TensorScalar { public static var dtype: DType { .u8 } }
extension Bool: TensorScalar { public static var dtype: DType { .bool } }
