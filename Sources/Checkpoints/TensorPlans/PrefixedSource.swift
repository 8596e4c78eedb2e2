import Tensors

/// The tensors of `base` whose names start with `prefix.`, named without it (fixture files keep
/// weights under `weights.`, training checkpoints under `model.` and so on).
public final class PrefixedSource: TensorSource, @unchecked Sendable {
    public let base: TensorSource
    public let prefix: String
    public let tensorInfos: [TensorInfo]

    public init(_ base: TensorSource, prefix: String) throws {
        let head = prefix + "."
        self.base = base
        self.prefix = prefix
        tensorInfos = base.tensorInfos.compactMap { info in
            guard info.name.hasPrefix(head) else { return nil }
            var renamed = info
            renamed.name = String(info.name.dropFirst(head.count))
            return renamed
        }
        guard !tensorInfos.isEmpty else { throw ConversionError.missingTensor(input: base.location, tensor: head + "*") }
    }

    public var location: String { base.location }
    public var metadata: [String: String] { base.metadata }
    public func tensor(named name: String) throws -> Tensor { try base.tensor(named: prefix + "." + name) }
}
