/// The two key conventions MEGALODON weights come in. Loading code speaks official names; this maps
/// them for the other convention.
enum MegalodonNaming {
    /// The official `Mega` module's state dict (`layers.0.mega.cema.alpha`, ...), our canonical form.
    case official
    /// megalodon-jax native names (`model.layers.0.attn.cema.alpha`, ...): no prior buffers and no
    /// `rope.freqs`, CEMA gamma split into real and imaginary `[D, N]`, omega `[D]`, no head when tied.
    case jax

    static func detect(_ matrices: MatrixReader) -> MegalodonNaming {
        matrices.holds("model.embed.weight") ? .jax : .official
    }

    /// The key of the official tensor `name` in this convention (the renames of `MegalodonNames`,
    /// whose table is formats/names/megalodon-jax.json).
    func key(_ name: String) -> String {
        guard self == .jax else { return name }
        return MegalodonNames.officialToJax.map(name) ?? MegalodonNames.jaxName(ofReshaped: name)
    }

    /// The official form of `name` for messages (identity for official names).
    var label: String { self == .official ? "official" : "megalodon-jax" }
}
