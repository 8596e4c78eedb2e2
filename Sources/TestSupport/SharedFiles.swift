import Foundation

/// Locations the tests read: the project's own folders and the read-only `shared/` folder that sits
/// beside the checkout (CI lays it there too). `MEGALODON_SHARED` overrides the latter.
public enum SharedFiles {
    /// The package root: the nearest folder above this source file that holds Package.swift.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// The shared data folder (`../shared` beside the checkout unless `MEGALODON_SHARED` says otherwise).
    public static var shared: URL {
        if let override = ProcessInfo.processInfo.environment["MEGALODON_SHARED"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// A file under `shared/`, e.g. `SharedFiles.shared("fixtures/megalodon/A_swiglu.safetensors")`.
    public static func shared(_ relativePath: String) -> URL { shared.appendingPathComponent(relativePath) }

    /// A file under the package's `Tests/` folder (committed fixtures).
    public static func tests(_ relativePath: String) -> URL {
        packageRoot.appendingPathComponent("Tests").appendingPathComponent(relativePath)
    }

    /// An executable of this package built beside the test bundle (the bundle's folder or its parent).
    public static func builtTool(_ name: String) -> URL? {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [folder, folder.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// A fresh empty temporary folder, removed by the caller with `FileManager.removeItem`.
    public static func temporaryDirectory(_ label: String = "megalodon-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
