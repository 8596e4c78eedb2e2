import Quantization

/// Which Llama tensors the quantizer may touch, in every convention it writes (Hugging Face names
/// for directories, GGUF names for .gguf): the attention and MLP projections and the output head;
/// the token embedding table is the embedding; the RMS norms and any bias or rotary table stay float.
extension LlamaArchitecture {
    public static func quantizationRole(of name: String) -> TensorRole {
        TensorRole.of(
            name, embeddings: ["model.embed_tokens.weight", "token_embd.weight", "tok_embeddings.weight"],
            outputHeads: ["lm_head.weight", "output.weight"])
    }
}
