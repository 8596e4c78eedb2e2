extension PlannedTensor {
    /// Replaces each `.stored(name)` of `outer` by the recipe `inner` gives for `name`, and cancels a
    /// RoPE re-order followed by its inverse (so two renamings chain into one plan).
    public static func compose(_ outer: [PlannedTensor], over inner: [PlannedTensor]) -> [PlannedTensor] {
        let recipes = Dictionary(inner.map { ($0.info.name, $0.recipe) }, uniquingKeysWith: { first, _ in first })
        func substitute(_ recipe: TensorRecipe) -> TensorRecipe {
            switch recipe {
            case let .stored(name): return recipes[name] ?? recipe
            case let .reshaped(base, shape): return .reshaped(substitute(base), shape)
            case let .ropeRows(base, heads, layout):
                let resolved = substitute(base)
                if case let .ropeRows(innermost, innerHeads, innerLayout) = resolved, innerHeads == heads, innerLayout != layout {
                    return innermost
                }
                return .ropeRows(resolved, heads: heads, to: layout)
            case let .lastAxisEntry(base, index, count): return .lastAxisEntry(substitute(base), index: index, count: count)
            case let .stackedOnLastAxis(parts): return .stackedOnLastAxis(parts.map(substitute))
            case .zeros, .values: return recipe
            }
        }
        return outer.map { PlannedTensor(info: $0.info, recipe: substitute($0.recipe)) }
    }
}
