/// Converting raw little-endian element bytes to and from Float. The source may be unaligned (old
/// safetensors files do not align tensors), so reads go through unaligned loads.
public enum ElementConversion {
    public static func toFloat32(_ source: UnsafeRawBufferPointer, dtype: DType, into target: UnsafeMutableBufferPointer<Float>) throws {
        guard let width = dtype.byteWidth, source.count == target.count * width else {
            throw Tensor.Failure.notConvertible(dtype)
        }
        switch dtype {
        case .f32:
            UnsafeMutableRawBufferPointer(target).copyMemory(from: source)
        case .f16, .bf16:
            try withAligned(source, as: UInt16.self) { halves in
                if dtype == .f16 {
                    HalfPrecision.widenHalf(halves, into: target)
                } else {
                    HalfPrecision.widenBFloat16(halves, into: target)
                }
            }
        case .f64: convert(source, Double.self, into: target) { Float($0) }
        case .i64: convert(source, Int64.self, into: target) { Float($0) }
        case .i32: convert(source, Int32.self, into: target) { Float($0) }
        case .i16: convert(source, Int16.self, into: target) { Float($0) }
        case .i8: convert(source, Int8.self, into: target) { Float($0) }
        case .u64: convert(source, UInt64.self, into: target) { Float($0) }
        case .u32: convert(source, UInt32.self, into: target) { Float($0) }
        case .u16: convert(source, UInt16.self, into: target) { Float($0) }
        case .u8: convert(source, UInt8.self, into: target) { Float($0) }
        case .bool: convert(source, UInt8.self, into: target) { $0 == 0 ? 0 : 1 }
        default: throw Tensor.Failure.notConvertible(dtype)
        }
    }

    /// Writes `source` as `dtype` (f32, f16, bf16 or f64) into `target`, which has exactly the right size.
    public static func fromFloat32(_ source: UnsafeBufferPointer<Float>, into target: UnsafeMutableRawBufferPointer, dtype: DType) throws {
        guard let width = dtype.byteWidth, target.count == source.count * width else { throw Tensor.Failure.notConvertible(dtype) }
        switch dtype {
        case .f32:
            target.copyMemory(from: UnsafeRawBufferPointer(source))
        case .f16:
            HalfPrecision.narrowToHalf(source, into: target.bindMemory(to: UInt16.self))
        case .bf16:
            HalfPrecision.narrowToBFloat16(source, into: target.bindMemory(to: UInt16.self))
        case .f64:
            let doubles = target.bindMemory(to: Double.self)
            for i in 0..<source.count { doubles[i] = Double(source[i]) }
        default:
            throw Tensor.Failure.notConvertible(dtype)
        }
    }

    private static func convert<Element>(
        _ source: UnsafeRawBufferPointer, _: Element.Type, into target: UnsafeMutableBufferPointer<Float>, _ transform: (Element) -> Float
    ) {
        let width = MemoryLayout<Element>.size
        for i in 0..<target.count {
            target[i] = transform(source.loadUnaligned(fromByteOffset: i * width, as: Element.self))
        }
    }

    /// Calls `body` with `source` viewed as `Element`s, copying only when the bytes are misaligned.
    private static func withAligned<Element, Result>(
        _ source: UnsafeRawBufferPointer, as _: Element.Type, _ body: (UnsafeBufferPointer<Element>) throws -> Result
    ) rethrows -> Result {
        let count = source.count / MemoryLayout<Element>.stride
        if let base = source.baseAddress, Int(bitPattern: base) % MemoryLayout<Element>.alignment == 0 {
            return try body(UnsafeBufferPointer(start: base.assumingMemoryBound(to: Element.self), count: count))
        }
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: MemoryLayout<Element>.alignment)
        defer { copy.deallocate() }
        copy.copyMemory(from: source)
        return try body(UnsafeBufferPointer(copy.bindMemory(to: Element.self)))
    }
}
