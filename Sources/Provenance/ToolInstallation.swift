import Foundation

/// Where the tools find what they ship beside their code (task definitions, the build stamp), so
/// they work from any working directory, as a cluster job starts them.
///
/// Task definitions are looked up, first hit wins:
/// 1. the `--evals-dir` a user gave;
/// 2. `$MEGALODON_EVALS`;
/// 3. `<prefix>/share/megalodon/evals` for a tool installed as `<prefix>/bin/<tool>` (`scripts/install`);
/// 4. `evals/` of the source checkout the tool was built from (a `swift build` product);
/// 5. `./evals`.
public enum ToolInstallation {
    /// The folder an installed tool keeps its data in, relative to its `bin/` folder.
    public static let sharedDataPath = "share/megalodon"
    public static let evalsFolderName = "evals"
    /// The file `scripts/install` writes with the commit it installed, beside the task definitions.
    public static let buildStampName = "BUILD-COMMIT"

    /// The running tool's folder, symlinks resolved.
    public static var executableDirectory: URL? {
        Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// `<prefix>/share/megalodon` for a tool in `<prefix>/bin`, if that folder exists.
    public static var installedDataDirectory: URL? {
        guard let bin = executableDirectory else { return nil }
        let data = bin.deletingLastPathComponent().appendingPathComponent(sharedDataPath)
        return isDirectory(data) ? data : nil
    }

    /// The checkout this library was compiled from (the folder holding Package.swift above this
    /// source file), if it is still there.
    public static let sourceCheckout: URL? = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return nil
    }()

    /// Every place task definitions may be, in the order they are tried (see the type's comment).
    public static func evalsCandidates(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) -> [URL] {
        if let explicit {
            return [
                explicit.hasPrefix("/")
                    ? URL(fileURLWithPath: explicit) : workingDirectory.appendingPathComponent(explicit).standardizedFileURL
            ]
        }
        var candidates: [URL] = []
        if let override = environment["MEGALODON_EVALS"], !override.isEmpty { candidates.append(URL(fileURLWithPath: override)) }
        if let installed = installedDataDirectory { candidates.append(installed.appendingPathComponent(evalsFolderName)) }
        if let checkout = sourceCheckout { candidates.append(checkout.appendingPathComponent(evalsFolderName)) }
        candidates.append(workingDirectory.appendingPathComponent(evalsFolderName))
        return candidates
    }

    /// The task definitions folder: the first candidate that exists, else the first candidate (so
    /// the error about a missing task names where it looked).
    public static func evalsDirectory(explicit: String?) -> URL {
        let candidates = evalsCandidates(explicit: explicit)
        return candidates.first(where: isDirectory) ?? candidates[0]
    }

    static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
