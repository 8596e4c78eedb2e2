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

    /// The key of the official tensor `name` in this convention.
    func key(_ name: String) -> String {
        guard self == .jax else { return name }
        switch name {
        case "embed.weight": return "model.embed.weight"
        case "output.output.weight": return "lm_head.weight"
        default: break
        }
        if name.hasPrefix("output.final_norm.") { return "model.norm." + name.dropFirst("output.final_norm.".count) }
        let parts = name.split(separator: ".", maxSplits: 3).map(String.init)
        guard parts.count == 4, parts[0] == "layers" else { return name }
        let module = parts[2] == "mega" ? "attn" : parts[2] == "nffn" ? "ffn" : parts[2]
        let leaf = parts[3] == "rmsnorm.weight" ? "rmsnorm.gamma" : parts[3]
        return "model.layers.\(parts[1]).\(module).\(leaf)"
    }

    /// The official form of `name` for messages (identity for official names).
    var label: String { self == .official ? "official" : "megalodon-jax" }
}
