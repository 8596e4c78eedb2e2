import Tensors

/// The globals a tensor checkpoint may name — the part of torch's `weights_only` allow-list that state
/// dicts use. Each is a tag; what calling it means is decided by `TorchReductions`.
enum TorchGlobal: Equatable {
    case orderedDict
    case counter
    case rebuildTensor
    case rebuildTensorV2
    case rebuildTensorV3
    case rebuildParameter
    case rebuildParameterWithState
    case rebuildFromTypeV2
    case tensorType
    case parameterType
    case size
    case device
    case getLayout
    case set
    case frozenset
    case bytearray
    case codecsEncode
    /// A legacy typed storage class (`torch.FloatStorage`, ...); dtype nil for kinds we cannot read.
    case storageType(name: String, dtype: DType?)
    case untypedStorage
    /// A `torch.<dtype>` object; dtype nil for kinds we cannot read (complex128, quantized, ...).
    case dtype(name: String, dtype: DType?)

    var qualifiedName: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .counter: return "collections.Counter"
        case .rebuildTensor: return "torch._utils._rebuild_tensor"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildTensorV3: return "torch._utils._rebuild_tensor_v3"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case .rebuildFromTypeV2: return "torch._tensor._rebuild_from_type_v2"
        case .tensorType: return "torch.Tensor"
        case .parameterType: return "torch.nn.parameter.Parameter"
        case .size: return "torch.Size"
        case .device: return "torch.device"
        case .getLayout: return "torch.serialization._get_layout"
        case .set: return "builtins.set"
        case .frozenset: return "builtins.frozenset"
        case .bytearray: return "builtins.bytearray"
        case .codecsEncode: return "_codecs.encode"
        case let .storageType(name, _): return "torch.\(name)"
        case .untypedStorage: return "torch.UntypedStorage"
        case let .dtype(name, _): return "torch.\(name)"
        }
    }

    /// Resolves `module.name` against the allow-list, or throws an error naming it. Applies torch's own
    /// renames (`torch.tensor` → `torch._tensor`) and Python 2's (`__builtin__` → `builtins`).
    static func resolve(module rawModule: String, name: String) throws -> TorchGlobal {
        let module = moduleRenames[rawModule] ?? rawModule
        if let global = fixed["\(module).\(name)"] { return global }
        if module == "torch" {
            if let dtype = storageDTypes[name] { return .storageType(name: name, dtype: dtype) }
            if unreadableStorages.contains(name) { return .storageType(name: name, dtype: nil) }
            if let dtype = dtypeNames[name] { return .dtype(name: name, dtype: dtype) }
            if unreadableDTypes.contains(name) { return .dtype(name: name, dtype: nil) }
        }
        throw PickleError.disallowedGlobal("\(module).\(name)")
    }

    private static let moduleRenames = ["torch.tensor": "torch._tensor", "__builtin__": "builtins"]

    private static let fixed: [String: TorchGlobal] = [
        "collections.OrderedDict": .orderedDict,
        "collections.Counter": .counter,
        "torch._utils._rebuild_tensor": .rebuildTensor,
        "torch._utils._rebuild_tensor_v2": .rebuildTensorV2,
        "torch._utils._rebuild_tensor_v3": .rebuildTensorV3,
        "torch._utils._rebuild_parameter": .rebuildParameter,
        "torch._utils._rebuild_parameter_with_state": .rebuildParameterWithState,
        "torch._tensor._rebuild_from_type_v2": .rebuildFromTypeV2,
        "torch.Tensor": .tensorType,
        "torch._tensor.Tensor": .tensorType,
        "torch.nn.parameter.Parameter": .parameterType,
        "torch.Size": .size,
        "torch.device": .device,
        "torch.serialization._get_layout": .getLayout,
        "builtins.set": .set,
        "builtins.frozenset": .frozenset,
        "builtins.bytearray": .bytearray,
        "_codecs.encode": .codecsEncode,
        "torch.UntypedStorage": .untypedStorage,
        "torch.storage.UntypedStorage": .untypedStorage,
    ]

    /// `torch/storage.py` legacy storage classes → element type.
    private static let storageDTypes: [String: DType] = [
        "DoubleStorage": .f64, "FloatStorage": .f32, "HalfStorage": .f16, "BFloat16Storage": .bf16,
        "LongStorage": .i64, "IntStorage": .i32, "ShortStorage": .i16, "CharStorage": .i8,
        "ByteStorage": .u8, "BoolStorage": .bool,
    ]
    private static let unreadableStorages: Set<String> = [
        "ComplexDoubleStorage", "ComplexFloatStorage", "QInt8Storage", "QInt32Storage", "QUInt8Storage",
        "QUInt4x2Storage", "QUInt2x4Storage",
    ]

    private static let dtypeNames: [String: DType] = [
        "float32": .f32, "float": .f32, "float64": .f64, "double": .f64, "float16": .f16, "half": .f16,
        "bfloat16": .bf16, "int64": .i64, "long": .i64, "int32": .i32, "int": .i32, "int16": .i16,
        "short": .i16, "int8": .i8, "uint8": .u8, "bool": .bool, "uint16": .u16, "uint32": .u32,
        "uint64": .u64, "complex64": .c64, "cfloat": .c64, "float8_e4m3fn": .f8e4m3, "float8_e5m2": .f8e5m2,
        "float8_e4m3fnuz": .f8e4m3fnuz, "float8_e5m2fnuz": .f8e5m2fnuz, "float8_e8m0fnu": .f8e8m0,
    ]
    private static let unreadableDTypes: Set<String> = [
        "complex128", "cdouble", "complex32", "chalf", "qint8", "quint8", "qint32", "quint4x2", "quint2x4",
        "float4_e2m1fn_x2", "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16",
    ]
}
