import Quantization

/// Which MEGALODON tensors the quantizer may touch: the linear layers' weights (`mega.wz/wv/wr/wh1/wh2`,
/// `nffn.fc1/fc2/fc3`) and the output head; `embed.weight` is the embedding table; the CEMA
/// parameters, the norms (timestep, RMS, FFN layer norm), the Q/K affine `mega.gamma`/`mega.beta`,
/// the FFN rescale `nffn.alpha` and all biases stay float (megalodon-spec.md §3).
extension MegalodonArchitecture {
    public static func quantizationRole(of name: String) -> TensorRole {
        TensorRole.of(
            name, embeddings: ["embed.weight", "model.embed.weight"],
            outputHeads: ["output.output.weight", "lm_head.weight"], floatComponents: ["cema"])
    }
}
