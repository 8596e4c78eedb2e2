import Checkpoints
import Tensors

@testable import Models

/// Tensors held in memory under chosen names, for building checkpoints the tests need (renamed,
/// reshaped, converted, broken).
final class InMemoryTensorSource: TensorSource, @unchecked Sendable {
    private(set) var tensors: [(name: String, tensor: Tensor)]

    init(_ tensors: [(name: String, tensor: Tensor)]) { self.tensors = tensors }

    /// Every tensor of `source`, in order.
    convenience init(copying source: TensorSource) throws {
        self.init(try source.tensorNames.map { ($0, try source.tensor(named: $0)) })
    }

    var location: String { "in-memory checkpoint" }
    var metadata: [String: String] { [:] }
    var tensorInfos: [TensorInfo] { tensors.map { TensorInfo(name: $0.name, dtype: $0.tensor.dtype, shape: $0.tensor.shape) } }

    func tensor(named name: String) throws -> Tensor {
        guard let found = tensors.first(where: { $0.name == name }) else { throw LookupFailure.notFound(name) }
        return found.tensor
    }

    enum LookupFailure: Error { case notFound(String) }

    func set(_ name: String, _ tensor: Tensor) {
        if let index = tensors.firstIndex(where: { $0.name == name }) {
            tensors[index].tensor = tensor
        } else {
            tensors.append((name, tensor))
        }
    }

    func remove(_ name: String) { tensors.removeAll { $0.name == name } }

    func rename(_ transform: (String) -> String) {
        tensors = tensors.map { (transform($0.name), $0.tensor) }
    }
}
