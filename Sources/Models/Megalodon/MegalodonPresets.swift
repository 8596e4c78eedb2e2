/// The named configurations of the official repository (`ModelStore` in `megalodon/model/mega.py`).
/// Every other field keeps its `ModelConf` default; the vocabulary is the Llama-2 tokenizer's 32000
/// unless the caller says otherwise.
extension MegalodonConfig {
    public static let presetNames = ["mega200M", "mega1.3B", "mega1.3B_pg19", "mega7.1B", "mega7.3B"]

    public static func preset(_ name: String, vocabSize: Int = 32000) throws -> MegalodonConfig {
        var config = MegalodonConfig()
        config.vocabSize = vocabSize
        config.chunkSize = 2048
        func shape(_ layers: Int, _ model: Int, _ heads: Int, _ z: Int, _ value: Int, _ ffn: Int, _ groups: Int) {
            config.numLayers = layers
            config.modelDim = model
            config.numHeads = heads
            config.zDim = z
            config.valueDim = value
            config.ffnHiddenDim = ffn
            config.normNumGroups = groups
        }
        switch name {
        case "mega200M": shape(12, 1024, 1, 256, 2048, 2560, 32)
        case "mega1.3B": shape(24, 2048, 2, 512, 4096, 4864, 64)
        case "mega1.3B_pg19":
            shape(24, 2048, 2, 512, 4096, 3584, 64)
            config.swiglu = true
            config.scaleEmb = true
            config.shareEmb = true
        case "mega7.1B": shape(32, 4096, 4, 1024, 8192, 11264, 64)
        case "mega7.3B":
            shape(32, 4096, 4, 1024, 8192, 8192, 64)
            config.swiglu = true
        default: throw Failure.unknownPreset(name, known: presetNames)
        }
        try config.validate()
        return config
    }
}
