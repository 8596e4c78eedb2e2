import Checkpoints
import Foundation

/// `config.json` reading and writing: the official snake_case keys plus `"architecture": "megalodon"`.
extension MegalodonConfig {

    /// Reads `config.json` in `directory` (or the file itself) and validates it.
    public static func load(from url: URL) throws -> MegalodonConfig {
        let (path, contents) = readConfigFile(at: url)
        do { return try decode(try contents.get(), path: path) } catch let failure as Failure { throw failure } catch {
            throw Failure.unreadable(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
    }

    /// Decodes and validates a JSON config.
    public static func decode(_ data: Data, path: String = "config.json") throws -> MegalodonConfig {
        let config: MegalodonConfig
        do { config = try JSONDecoder().decode(MegalodonConfig.self, from: data) } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.unreadable(path: path, reason: "not a MEGALODON config: \(error)")
        }
        try config.validate()
        return config
    }

    enum CodingKeys: String, CodingKey {
        case architecture
        case numLayers = "num_layers", modelDim = "model_dim", zDim = "z_dim", valueDim = "value_dim"
        case numHeads = "num_heads", ffnHiddenDim = "ffn_hidden_dim", cemaNdim = "cema_ndim", chunkSize = "chunk_size"
        case normNumGroups = "norm_num_groups", normAffine = "norm_affine", normEps = "norm_eps", ropeBase = "rope_base"
        case swiglu, rescaleNffn = "rescale_nffn", scaleEmb = "scale_emb", shareEmb = "share_emb"
        case vocabSize = "vocab_size", outputSize = "output_size"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let architecture = try c.decodeIfPresent(String.self, forKey: .architecture), architecture != "megalodon" {
            throw Failure.wrongArchitecture(found: architecture)
        }
        let defaults = MegalodonConfig()
        numLayers = try c.decodeIfPresent(Int.self, forKey: .numLayers) ?? defaults.numLayers
        modelDim = try c.decodeIfPresent(Int.self, forKey: .modelDim) ?? defaults.modelDim
        zDim = try c.decodeIfPresent(Int.self, forKey: .zDim) ?? defaults.zDim
        valueDim = try c.decodeIfPresent(Int.self, forKey: .valueDim) ?? defaults.valueDim
        numHeads = try c.decodeIfPresent(Int.self, forKey: .numHeads) ?? defaults.numHeads
        ffnHiddenDim = try c.decodeIfPresent(Int.self, forKey: .ffnHiddenDim) ?? defaults.ffnHiddenDim
        cemaNdim = try c.decodeIfPresent(Int.self, forKey: .cemaNdim) ?? defaults.cemaNdim
        chunkSize = try c.decodeIfPresent(Int.self, forKey: .chunkSize) ?? defaults.chunkSize
        normNumGroups = try c.decodeIfPresent(Int.self, forKey: .normNumGroups) ?? defaults.normNumGroups
        normAffine = try c.decodeIfPresent(Bool.self, forKey: .normAffine) ?? defaults.normAffine
        normEps = try c.decodeIfPresent(Float.self, forKey: .normEps) ?? defaults.normEps
        ropeBase = try c.decodeIfPresent(Double.self, forKey: .ropeBase)
        swiglu = try c.decodeIfPresent(Bool.self, forKey: .swiglu) ?? defaults.swiglu
        rescaleNffn = try c.decodeIfPresent(Bool.self, forKey: .rescaleNffn) ?? defaults.rescaleNffn
        scaleEmb = try c.decodeIfPresent(Bool.self, forKey: .scaleEmb) ?? defaults.scaleEmb
        shareEmb = try c.decodeIfPresent(Bool.self, forKey: .shareEmb) ?? defaults.shareEmb
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? defaults.vocabSize
        outputSize = try c.decodeIfPresent(Int.self, forKey: .outputSize) ?? defaults.outputSize
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("megalodon", forKey: .architecture)
        try c.encode(numLayers, forKey: .numLayers)
        try c.encode(modelDim, forKey: .modelDim)
        try c.encode(zDim, forKey: .zDim)
        try c.encode(valueDim, forKey: .valueDim)
        try c.encode(numHeads, forKey: .numHeads)
        try c.encode(ffnHiddenDim, forKey: .ffnHiddenDim)
        try c.encode(cemaNdim, forKey: .cemaNdim)
        try c.encode(chunkSize, forKey: .chunkSize)
        try c.encode(normNumGroups, forKey: .normNumGroups)
        try c.encode(normAffine, forKey: .normAffine)
        try c.encode(normEps, forKey: .normEps)
        try c.encode(ropeBase, forKey: .ropeBase)
        try c.encode(swiglu, forKey: .swiglu)
        try c.encode(rescaleNffn, forKey: .rescaleNffn)
        try c.encode(scaleEmb, forKey: .scaleEmb)
        try c.encode(shareEmb, forKey: .shareEmb)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(outputSize, forKey: .outputSize)
    }
}
