import Checkpoints
import Models
import Tensors

/// Which names the output uses.
public enum OutputNames: String, Sendable, CaseIterable {
    /// The architecture's canonical names (official MEGALODON, Hugging Face Llama): the model directory's.
    case canonical
    /// megalodon-jax names (MEGALODON only).
    case megalodonJax = "jax"
    /// llama.cpp GGUF names (Llama only; the GGUF writer's input).
    case gguf
}

/// Decides, for an opened input, the output tensors (names, shapes, dtypes, recipes) and the
/// output configuration, by asking the input's architecture (`Architectures`).
public enum ConversionPlanner {
    public struct Result {
        public var source: PlannedSource
        public var configuration: ModelConfiguration?
    }

    public static func plan(_ input: CheckpointInput, names: OutputNames, dtype: DType? = nil) throws -> Result {
        let source = input.source
        let family = input.convention.family ?? input.configuration?.family
        var planned: (tensors: [PlannedTensor], configuration: ModelConfiguration?)?
        if input.convention == .unknown, names == .canonical {
            planned = (PlannedSource.identity(source).plan, input.configuration)
        } else if let architecture = input.convention.family.flatMap(Architectures.architecture(of:)),
            let target = architecture.convention(named: names.rawValue)
        {
            planned = try architecture.plan(source, from: input.convention, to: target, configuration: input.configuration)
        }
        guard let planned else {
            throw ConversionError.unsupportedConversion(
                input: source.location,
                detail: "\(input.convention.rawValue) checkpoints cannot be written with \(names.rawValue) names"
                    + (family.map { " (model family: \($0.rawValue))" } ?? ""))
        }
        return Result(
            source: PlannedSource(input: source, plan: planned.tensors, metadata: [:]).casting(floatsTo: dtype),
            configuration: planned.configuration)
    }
}
