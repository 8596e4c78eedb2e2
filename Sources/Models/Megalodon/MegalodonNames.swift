import Checkpoints
import Foundation
import Tensors

/// MEGALODON's two conventions (formats/names/megalodon-jax.json): official `Mega` state-dict names
/// and megalodon-jax's native names, with the reshapes between them.
public enum MegalodonNames {
    /// official → megalodon-jax renames (`{i}` = layer index), the `names` table of the JSON file.
    public static let jaxRenames: [(official: String, jax: String)] = [
        ("embed.weight", "model.embed.weight"),
        ("layers.{i}.mega.timenorm.weight", "model.layers.{i}.attn.timenorm.weight"),
        ("layers.{i}.mega.timenorm.bias", "model.layers.{i}.attn.timenorm.bias"),
        ("layers.{i}.mega.cema.alpha", "model.layers.{i}.attn.cema.alpha"),
        ("layers.{i}.mega.cema.delta", "model.layers.{i}.attn.cema.delta"),
        ("layers.{i}.mega.cema.theta", "model.layers.{i}.attn.cema.theta"),
        ("layers.{i}.mega.rmsnorm.weight", "model.layers.{i}.attn.rmsnorm.gamma"),
        ("layers.{i}.mega.wz.weight", "model.layers.{i}.attn.wz.weight"),
        ("layers.{i}.mega.wz.bias", "model.layers.{i}.attn.wz.bias"),
        ("layers.{i}.mega.wv.weight", "model.layers.{i}.attn.wv.weight"),
        ("layers.{i}.mega.wv.bias", "model.layers.{i}.attn.wv.bias"),
        ("layers.{i}.mega.wr.weight", "model.layers.{i}.attn.wr.weight"),
        ("layers.{i}.mega.wr.bias", "model.layers.{i}.attn.wr.bias"),
        ("layers.{i}.mega.wh1.weight", "model.layers.{i}.attn.wh1.weight"),
        ("layers.{i}.mega.wh1.bias", "model.layers.{i}.attn.wh1.bias"),
        ("layers.{i}.mega.wh2.weight", "model.layers.{i}.attn.wh2.weight"),
        ("layers.{i}.mega.gamma", "model.layers.{i}.attn.gamma"),
        ("layers.{i}.mega.beta", "model.layers.{i}.attn.beta"),
        ("layers.{i}.nffn.norm.weight", "model.layers.{i}.ffn.norm.weight"),
        ("layers.{i}.nffn.norm.bias", "model.layers.{i}.ffn.norm.bias"),
        ("layers.{i}.nffn.fc1.weight", "model.layers.{i}.ffn.fc1.weight"),
        ("layers.{i}.nffn.fc2.weight", "model.layers.{i}.ffn.fc2.weight"),
        ("layers.{i}.nffn.fc3.weight", "model.layers.{i}.ffn.fc3.weight"),
        ("layers.{i}.nffn.alpha", "model.layers.{i}.ffn.alpha"),
        ("output.final_norm.weight", "model.norm.weight"),
        ("output.final_norm.bias", "model.norm.bias"),
        ("output.output.weight", "lm_head.weight"),
    ]

    static let officialToJax = NameTemplates(jaxRenames.map { ($0.official, $0.jax) })
    static let jaxToOfficial = NameTemplates(jaxRenames.map { ($0.jax, $0.official) })

    /// Official names → megalodon-jax names: priors and `rope.freqs` dropped, CEMA gamma split into
    /// real and imaginary parts, omega flattened, the head dropped when tied to the embedding.
    public static func officialToJax(_ source: TensorSource, configuration: ModelConfiguration) throws -> [PlannedTensor] {
        let tied = try configuration.bool("share_emb", default: false)
        var plan: [PlannedTensor] = []
        var unmapped: [String] = []
        for info in source.tensorInfos {
            let name = info.name
            if name == "rope.freqs" || name.hasSuffix(".prior_count") || name.hasSuffix(".prior_mean") || name.hasSuffix(".prior_logv") {
                continue
            }
            if name == "output.output.weight", tied {
                try requireIdentical(source, name, "embed.weight")
                continue
            }
            if name.hasSuffix(".mega.cema.gamma") {
                let base = jaxName(ofReshaped: name)
                guard info.shape.count == 3, info.shape[2] == 2 else {
                    throw ConversionError.shapeDisagreement(
                        input: source.location, tensor: name, expected: [info.shape.first ?? 0, info.shape.dropFirst().first ?? 0, 2],
                        found: info.shape)
                }
                let shape = Array(info.shape.dropLast())
                plan.append(
                    PlannedTensor(
                        info: TensorInfo(name: base + "_real", dtype: info.dtype, shape: shape),
                        recipe: .lastAxisEntry(.stored(name), index: 0, count: 2)))
                plan.append(
                    PlannedTensor(
                        info: TensorInfo(name: base + "_imag", dtype: info.dtype, shape: shape),
                        recipe: .lastAxisEntry(.stored(name), index: 1, count: 2)))
                continue
            }
            if name.hasSuffix(".mega.cema.omega") {
                let jax = jaxName(ofReshaped: name)
                plan.append(
                    PlannedTensor(
                        info: TensorInfo(name: jax, dtype: info.dtype, shape: [info.elementCount]),
                        recipe: .reshaped(.stored(name), [info.elementCount])))
                continue
            }
            guard let jax = officialToJax.map(name) else { unmapped.append(name); continue }
            plan.append(PlannedTensor(info: TensorInfo(name: jax, dtype: info.dtype, shape: info.shape), recipe: .stored(name)))
        }
        guard unmapped.isEmpty else { throw ConversionError.unmappedTensors(input: source.location, names: unmapped) }
        return plan
    }

    /// The megalodon-jax name of an official CEMA tensor that megalodon-jax reshapes (`cema.gamma`,
    /// `cema.omega`, and the `gamma_real`/`gamma_imag` halves named after the official tensor).
    static func jaxName(ofReshaped official: String) -> String {
        "model." + official.replacingOccurrences(of: ".mega.", with: ".attn.")
    }

    /// megalodon-jax names → official names, with the buffers megalodon-jax does not store rebuilt:
    /// `rope.freqs` from the configuration, zero TimestepNorm priors, the tied head from the embedding.
    public static func jaxToOfficial(_ source: TensorSource, configuration: ModelConfiguration) throws -> [PlannedTensor] {
        var plan: [PlannedTensor] = []
        var unmapped: [String] = []
        let groups = try configuration.int("norm_num_groups")
        for info in source.tensorInfos {
            let name = info.name
            if name.hasSuffix(".attn.cema.gamma_imag") { continue }
            if name.hasSuffix(".attn.cema.gamma_real") {
                let stem = String(name.dropLast("_real".count))
                guard let imaginary = source.info(named: stem + "_imag") else {
                    throw ConversionError.missingTensor(input: source.location, tensor: stem + "_imag")
                }
                guard imaginary.shape == info.shape else {
                    throw ConversionError.shapeDisagreement(
                        input: source.location, tensor: imaginary.name, expected: info.shape, found: imaginary.shape)
                }
                let official = String(stem.dropFirst("model.".count)).replacingOccurrences(of: ".attn.", with: ".mega.")
                plan.append(
                    PlannedTensor(
                        info: TensorInfo(name: official, dtype: info.dtype, shape: info.shape + [2]),
                        recipe: .stackedOnLastAxis([.stored(name), .stored(stem + "_imag")])))
                continue
            }
            if name.hasSuffix(".attn.cema.omega") {
                let official = String(name.dropFirst("model.".count)).replacingOccurrences(of: ".attn.", with: ".mega.")
                plan.append(
                    PlannedTensor(
                        info: TensorInfo(name: official, dtype: info.dtype, shape: info.shape + [1]),
                        recipe: .reshaped(.stored(name), info.shape + [1])))
                continue
            }
            guard let official = jaxToOfficial.map(name) else { unmapped.append(name); continue }
            plan.append(PlannedTensor(info: TensorInfo(name: official, dtype: info.dtype, shape: info.shape), recipe: .stored(name)))
            if official.hasSuffix(".timenorm.weight") || official == "output.final_norm.weight" {
                plan += priors(under: String(official.dropLast("weight".count)), groups: groups, dtype: info.dtype)
            }
        }
        guard unmapped.isEmpty else { throw ConversionError.unmappedTensors(input: source.location, names: unmapped) }
        if !plan.contains(where: { $0.info.name == "output.output.weight" }), try configuration.bool("share_emb", default: false),
            let embedding = source.info(named: "model.embed.weight")
        {
            plan.append(
                PlannedTensor(
                    info: TensorInfo(name: "output.output.weight", dtype: embedding.dtype, shape: embedding.shape),
                    recipe: .stored(embedding.name)))
        }
        let (heads, zDim) = (try configuration.int("num_heads"), try configuration.int("z_dim"))
        guard heads > 0, zDim % heads == 0, (zDim / heads) % 2 == 0 else {
            throw ConversionError.invalidConfiguration(
                path: configuration.origin, field: "z_dim", problem: "z_dim / num_heads must be a positive even number")
        }
        let frequencies = ropeFrequencies(headDim: zDim / heads, base: try configuration.double("rope_base") ?? 10000)
        plan.insert(
            PlannedTensor(
                info: TensorInfo(name: "rope.freqs", dtype: .f32, shape: [frequencies.count]),
                recipe: .values(frequencies, shape: [frequencies.count])), at: min(1, plan.count))
        return plan
    }

    /// The official `rope.freqs` buffer, computed in float32 as torch does:
    /// `1 / base ** (arange(0, dim, 2).float() / dim)`.
    public static func ropeFrequencies(headDim: Int, base: Double) -> [Float] {
        (0..<(headDim / 2)).map { k in 1 / powf(Float(base), Float(2 * k) / Float(headDim)) }
    }

    private static func priors(under stem: String, groups: Int, dtype: DType) -> [PlannedTensor] {
        [
            PlannedTensor(info: TensorInfo(name: stem + "prior_count", dtype: .i64, shape: []), recipe: .zeros(.i64, [])),
            PlannedTensor(info: TensorInfo(name: stem + "prior_mean", dtype: dtype, shape: [groups]), recipe: .zeros(dtype, [groups])),
            PlannedTensor(info: TensorInfo(name: stem + "prior_logv", dtype: dtype, shape: [groups]), recipe: .zeros(dtype, [groups])),
        ]
    }

    static func requireIdentical(_ source: TensorSource, _ name: String, _ other: String) throws {
        let (left, right) = (try source.tensor(named: name), try source.tensor(named: other))
        guard left.dtype == right.dtype, left.shape == right.shape, left.bytes.elementsEqual(right.bytes) else {
            throw ConversionError.tiedTensorsDiffer(input: source.location, tensor: name, tiedTo: other)
        }
    }
}
