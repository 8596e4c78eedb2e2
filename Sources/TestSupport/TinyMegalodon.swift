import Models

/// The one tiny MEGALODON configuration of the test targets: two layers, two heads, SwiGLU, every
/// part of the architecture, small enough to stream dozens of chunks in a debug test.
public enum TinyMegalodon {
    public static func config(chunk: Int = 16, vocabulary: Int = 61) -> MegalodonConfig {
        var c = MegalodonConfig()
        (c.numLayers, c.modelDim, c.zDim, c.valueDim, c.numHeads) = (2, 32, 16, 48, 2)
        (c.ffnHiddenDim, c.cemaNdim, c.chunkSize, c.normNumGroups, c.vocabSize) = (40, 4, chunk, 4, vocabulary)
        c.swiglu = true
        return c
    }
}
