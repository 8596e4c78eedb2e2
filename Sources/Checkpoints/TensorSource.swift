import Tensors

/// What a checkpoint says about one tensor before its bytes are read.
public struct TensorInfo: Sendable, Equatable, Hashable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    public var elementCount: Int { Tensor.elementCount(of: shape) ?? 0 }
    public var byteCount: Int { dtype.byteCount(elements: elementCount) ?? 0 }
}

/// A checkpoint opened for reading: the tensors it holds, its metadata, and lazy access to each
/// tensor (zero copy where the format stores it as-is).
public protocol TensorSource: AnyObject, Sendable {
    /// The file or directory this source reads, for messages.
    var location: String { get }
    /// Every tensor, in the order the checkpoint stores them.
    var tensorInfos: [TensorInfo] { get }
    /// String metadata (safetensors `__metadata__`, GGUF key/values rendered as text, ...).
    var metadata: [String: String] { get }
    /// Reads one tensor. Throws if the name is unknown or its bytes are unreadable.
    func tensor(named name: String) throws -> Tensor
}

extension TensorSource {
    public var tensorNames: [String] { tensorInfos.map(\.name) }

    public func info(named name: String) -> TensorInfo? { tensorInfos.first { $0.name == name } }

    public func contains(_ name: String) -> Bool { info(named: name) != nil }
}
