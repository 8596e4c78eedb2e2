import Tensors

/// Strided views over a storage: the contiguity test, the furthest element a view reaches, and the
/// gather that turns a transposed or sliced view into a dense row-major buffer.
enum StridedCopy {
    /// True when `strides` are the row-major strides of `shape` (dimensions of size 1 may have any stride).
    static func isContiguous(shape: [Int], strides: [Int]) -> Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() {
            if size != 1, stride != expected { return false }
            expected *= size
        }
        return true
    }

    /// Index of the last element the view touches (`offset + Σ (size_i - 1) · stride_i`), nil on overflow.
    /// Only meaningful when every size is positive.
    static func lastElementIndex(offset: Int, shape: [Int], strides: [Int]) -> Int? {
        var last = offset
        for (size, stride) in zip(shape, strides) {
            let (step, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflow2) = last.addingReportingOverflow(step)
            if overflow || overflow2 { return nil }
            last = sum
        }
        return last
    }

    /// Copies the view into a new row-major buffer, reversing each element's bytes when `swapBytes`.
    /// The caller has checked that every addressed element lies inside `source`.
    static func gather(from source: UnsafeRawBufferPointer, base: Int, width: Int, shape: [Int], strides: [Int], swapBytes: Bool) -> Storage
    {
        let count = Tensor.elementCount(of: shape) ?? 0
        return Storage(count: count * width) { target in
            guard count > 0, let sourceBase = source.baseAddress, let targetBase = target.baseAddress else { return }
            let rank = shape.count
            guard rank > 0 else {
                copyElement(from: sourceBase + base, to: targetBase, width: width, swap: swapBytes)
                return
            }
            let innerSize = shape[rank - 1]
            let innerStride = strides[rank - 1] * width
            var index = [Int](repeating: 0, count: rank)
            var written = 0
            while written < count {
                var offset = base
                for axis in 0..<(rank - 1) { offset += index[axis] * strides[axis] * width }
                if innerStride == width, !swapBytes {
                    (targetBase + written * width).copyMemory(from: sourceBase + offset, byteCount: innerSize * width)
                } else {
                    for inner in 0..<innerSize {
                        copyElement(
                            from: sourceBase + offset + inner * innerStride, to: targetBase + (written + inner) * width,
                            width: width, swap: swapBytes)
                    }
                }
                written += innerSize
                // Advance the outer odometer.
                var axis = rank - 2
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < shape[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }

    private static func copyElement(from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer, width: Int, swap: Bool) {
        if swap {
            for byte in 0..<width {
                target.storeBytes(of: source.load(fromByteOffset: width - 1 - byte, as: UInt8.self), toByteOffset: byte, as: UInt8.self)
            }
        } else {
            target.copyMemory(from: source, byteCount: width)
        }
    }
}
