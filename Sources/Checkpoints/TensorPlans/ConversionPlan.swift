import Tensors

/// One output tensor: its final name, dtype and shape, and how to make it from the input.
public struct PlannedTensor: Sendable, Equatable {
    public var info: TensorInfo
    public var recipe: TensorRecipe

    public init(info: TensorInfo, recipe: TensorRecipe) {
        self.info = info
        self.recipe = recipe
    }
}

/// The output of a conversion seen as a checkpoint: each tensor is produced from the input only
/// when asked for, so writers stream it one tensor at a time.
public final class PlannedSource: TensorSource, @unchecked Sendable {
    public let input: TensorSource
    public let plan: [PlannedTensor]
    public let metadata: [String: String]
    private let indexByName: [String: Int]

    public init(input: TensorSource, plan: [PlannedTensor], metadata: [String: String] = [:]) {
        self.input = input
        self.plan = plan
        self.metadata = metadata
        indexByName = Dictionary(plan.enumerated().map { ($0.element.info.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
    }

    public var location: String { input.location }
    public var tensorInfos: [TensorInfo] { plan.map(\.info) }

    public func tensor(named name: String) throws -> Tensor {
        guard let position = indexByName[name] else { throw ConversionError.missingTensor(input: location, tensor: name) }
        let entry = plan[position]
        let made = try entry.recipe.make(from: input, shape: entry.info.shape)
        guard made.shape == entry.info.shape else {
            throw ConversionError.shapeDisagreement(
                input: location, tensor: entry.recipe.summary, expected: entry.info.shape, found: made.shape)
        }
        return try DTypeCast.cast(made, to: entry.info.dtype, name: name, location: location)
    }

    /// The same plan with every floating-point tensor stored as `dtype` (integers keep theirs).
    public func casting(floatsTo dtype: DType?) -> PlannedSource {
        guard let dtype else { return self }
        let recast = plan.map { entry -> PlannedTensor in
            var entry = entry
            if entry.info.dtype.isFloatingPoint { entry.info.dtype = dtype }
            return entry
        }
        return PlannedSource(input: input, plan: recast, metadata: metadata)
    }

    /// Every input tensor as is, under its own name.
    public static func identity(_ source: TensorSource) -> PlannedSource {
        PlannedSource(
            input: source, plan: source.tensorInfos.map { PlannedTensor(info: $0, recipe: .stored($0.name)) }, metadata: source.metadata)
    }
}

/// Float format changes done in fixed-size chunks, so converting a tensor needs only its output
/// buffer (no whole-tensor f32 intermediate).
public enum DTypeCast {
    static let chunkElements = 1 << 16

    public static func cast(_ tensor: Tensor, to target: DType, name: String, location: String) throws -> Tensor {
        if tensor.dtype == target { return tensor }
        guard tensor.dtype.isFloatingPoint, [.f32, .f16, .bf16, .f64].contains(target), let sourceWidth = tensor.dtype.byteWidth,
            let targetWidth = target.byteWidth
        else {
            throw ConversionError.unsupportedDType(input: location, tensor: name, dtype: tensor.dtype, target: target.rawValue)
        }
        let count = tensor.elementCount
        let storage = try Storage(count: count * targetWidth) { output in
            var scratch = [Float](repeating: 0, count: min(chunkElements, max(count, 1)))
            try scratch.withUnsafeMutableBufferPointer { floats in
                var start = 0
                while start < count {
                    let length = min(chunkElements, count - start)
                    let chunk = UnsafeMutableBufferPointer(rebasing: floats[0..<length])
                    try ElementConversion.toFloat32(
                        UnsafeRawBufferPointer(rebasing: tensor.bytes[(start * sourceWidth)..<((start + length) * sourceWidth)]),
                        dtype: tensor.dtype, into: chunk)
                    try ElementConversion.fromFloat32(
                        UnsafeBufferPointer(chunk),
                        into: UnsafeMutableRawBufferPointer(rebasing: output[(start * targetWidth)..<((start + length) * targetWidth)]),
                        dtype: target)
                    start += length
                }
            }
        }
        MappedPages.release(tensor)
        return try Tensor(dtype: target, shape: tensor.shape, storage: storage)
    }
}
