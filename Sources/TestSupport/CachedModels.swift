import Foundation

extension SharedFiles {
    /// Where `scripts/fetch-models` caches released models: `$MEGALODON_CACHE/models/<name>`, by
    /// default `~/.cache/megalodon/models/<name>`. Tests that need one skip when it is absent.
    public static func cachedModel(_ name: String) -> String {
        let environment = ProcessInfo.processInfo.environment
        let cache =
            environment["MEGALODON_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/megalodon").path
        return cache + "/models/" + name
    }
}
