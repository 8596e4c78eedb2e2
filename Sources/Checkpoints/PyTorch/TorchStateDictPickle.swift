import Tensors

/// The pickle (`data.pkl`) of a `torch.save`d flat state dict, as torch writes it with protocol 2:
/// an `OrderedDict` of name → `torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False,
/// OrderedDict())`, each storage a persistent id `('storage', torch.XStorage, key, 'cpu', numel)`
/// whose bytes are the archive record `data/<key>`. Only names, dtypes and shapes are needed, so the
/// pickle is written before any tensor is produced.
public enum TorchStateDictPickle {
    public enum Failure: Error, CustomStringConvertible {
        case unsupportedDType(String, DType)
        public var description: String {
            switch self {
            case let .unsupportedDType(name, dtype): return "\(name): PyTorch has no storage type for \(dtype)"
            }
        }
    }

    /// The legacy typed-storage class torch names in the pickle for `dtype`.
    public static func storageClass(_ dtype: DType) -> String? {
        switch dtype {
        case .f32: return "FloatStorage"
        case .f16: return "HalfStorage"
        case .bf16: return "BFloat16Storage"
        case .f64: return "DoubleStorage"
        case .i64: return "LongStorage"
        case .i32: return "IntStorage"
        case .i16: return "ShortStorage"
        case .i8: return "CharStorage"
        case .u8: return "ByteStorage"
        case .bool: return "BoolStorage"
        default: return nil
        }
    }

    /// Tensor `i` of `infos` is stored in record `data/i`.
    public static func encode(_ infos: [TensorInfo]) throws -> [UInt8] {
        var out: [UInt8] = [0x80, 2]  // PROTO 2
        func global(_ module: String, _ name: String) { out.append(UInt8(ascii: "c")); out += Array("\(module)\n\(name)\n".utf8) }
        func string(_ text: String) {  // BINUNICODE
            let bytes = Array(text.utf8)
            out.append(UInt8(ascii: "X"))
            withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out += $0 }
            out += bytes
        }
        func integer(_ value: Int) {
            if (0..<256).contains(value) {
                out += [UInt8(ascii: "K"), UInt8(value)]
            } else if (0..<65536).contains(value) {
                out.append(UInt8(ascii: "M"))
                withUnsafeBytes(of: UInt16(value).littleEndian) { out += $0 }
            } else if (Int(Int32.min)...Int(Int32.max)).contains(value) {
                out.append(UInt8(ascii: "J"))
                withUnsafeBytes(of: Int32(value).littleEndian) { out += $0 }
            } else {  // LONG1, 8 bytes little-endian two's complement
                out += [0x8A, 8]
                withUnsafeBytes(of: Int64(value).littleEndian) { out += $0 }
            }
        }
        func tuple(_ values: [Int]) {
            switch values.count {
            case 0: out.append(UInt8(ascii: ")"))
            case 1: integer(values[0]); out.append(0x85)
            case 2: values.forEach(integer); out.append(0x86)
            case 3: values.forEach(integer); out.append(0x87)
            default:
                out.append(UInt8(ascii: "("))
                values.forEach(integer)
                out.append(UInt8(ascii: "t"))
            }
        }
        func emptyOrderedDict() {
            global("collections", "OrderedDict")
            out.append(UInt8(ascii: ")"))
            out.append(UInt8(ascii: "R"))
        }

        emptyOrderedDict()
        out.append(UInt8(ascii: "("))  // MARK for SETITEMS
        for (key, info) in infos.enumerated() {
            guard let storage = storageClass(info.dtype) else { throw Failure.unsupportedDType(info.name, info.dtype) }
            string(info.name)
            global("torch._utils", "_rebuild_tensor_v2")
            out.append(UInt8(ascii: "("))  // MARK: arguments
            out.append(UInt8(ascii: "("))  // MARK: persistent id
            string("storage")
            global("torch", storage)
            string(String(key))
            string("cpu")
            integer(info.elementCount)
            out.append(UInt8(ascii: "t"))
            out.append(UInt8(ascii: "Q"))  // BINPERSID
            integer(0)  // storage offset
            tuple(info.shape)
            var strides = [Int](repeating: 1, count: info.shape.count)
            for axis in stride(from: info.shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * info.shape[axis + 1] }
            tuple(strides)
            out.append(0x89)  // NEWFALSE: requires_grad
            emptyOrderedDict()  // backward hooks
            out.append(UInt8(ascii: "t"))
            out.append(UInt8(ascii: "R"))
        }
        out.append(UInt8(ascii: "u"))  // SETITEMS
        out.append(UInt8(ascii: "."))  // STOP
        return out
    }
}
