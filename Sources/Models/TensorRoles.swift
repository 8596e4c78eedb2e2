import Quantization

extension TensorRole {
    /// The rule the wings share for their quantization roles: the names listed as embedding tables or
    /// output heads are those; a name that is not a `.weight`, or has a normalisation component
    /// (`*norm*`) or one of `floatComponents`, stays float; any other is a linear layer's weight.
    public static func of(
        _ name: String, embeddings: Set<String>, outputHeads: Set<String>,
        floatComponents: Set<String> = []
    ) -> TensorRole {
        if embeddings.contains(name) { return .embedding }
        if outputHeads.contains(name) { return .outputHead }
        let parts = name.split(separator: ".")
        guard parts.last == "weight" else { return .alwaysFloat }
        if parts.contains(where: { $0.contains("norm") || floatComponents.contains(String($0)) }) { return .alwaysFloat }
        return .linearWeight
    }
}
