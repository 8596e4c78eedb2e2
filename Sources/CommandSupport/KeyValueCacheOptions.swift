import ArgumentParser
import Models

/// `--kv-cache`, for the tools that run a model over long contexts.
public struct KeyValueCacheOptions: ParsableArguments {
    @Option(
        name: .customLong("kv-cache"),
        help: ArgumentHelp(
            "How attention caches store keys and values.",
            discussion:
                "f32 (default): as computed, the exact reference. f16: rounded to IEEE half precision as llama.cpp's default cache is, half the memory and half the bytes each generated token reads back; at a few thousand cached positions those bytes outweigh a small model's weights. Llama models only (MEGALODON's chunk caches stay f32).",
            valueName: "f32|f16"))
    public var keyValueCache: String = KeyValuePrecision.f32.rawValue

    public init() {}

    public func validate() throws {
        guard KeyValuePrecision(rawValue: keyValueCache) != nil else {
            throw ValidationError("--kv-cache must be f32 or f16 (got \(keyValueCache))")
        }
    }

    public var precision: KeyValuePrecision { KeyValuePrecision(rawValue: keyValueCache) ?? .f32 }
}
