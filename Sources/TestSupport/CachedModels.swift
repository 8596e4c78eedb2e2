import Foundation

/// Released models that `scripts/fetch-models` puts in the model cache (`$MEGALODON_CACHE/models`,
/// default `~/.cache/megalodon/models`). Tests that need one skip when it is absent.
public enum CachedModels {
    public static let smolLM2 = path("SmolLM2-135M-Instruct.Q4_1.gguf")

    public static func path(_ fileName: String) -> String {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["MEGALODON_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/megalodon").path
        return cache + "/models/" + fileName
    }

    public static func isPresent(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}
