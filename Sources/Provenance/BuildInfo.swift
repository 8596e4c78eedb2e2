import Foundation

/// Which code produced a result: the tools' version and the git commit they were built from.
///
/// The commit comes from the stamp `scripts/install` writes beside an installed tool
/// (`<prefix>/share/megalodon/BUILD-COMMIT`), else from the source checkout the tool was built
/// from (`git rev-parse HEAD`, with "-dirty" when tracked files differ from it), else "unknown".
public enum BuildInfo {
    public static let toolVersion = "0.2.0"

    public static let gitCommit: String = {
        if let data = ToolInstallation.installedDataDirectory?.appendingPathComponent(ToolInstallation.buildStampName),
            let text = try? String(contentsOf: data, encoding: .utf8)
        {
            let stamp = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !stamp.isEmpty { return stamp }
        }
        guard let checkout = ToolInstallation.sourceCheckout,
            let head = git(["rev-parse", "HEAD"], in: checkout)?.trimmingCharacters(in: .whitespacesAndNewlines),
            head.count == 40
        else { return "unknown" }
        let changes = git(["status", "--porcelain", "--untracked-files=no"], in: checkout) ?? ""
        return changes.isEmpty ? head : head + "-dirty"
    }()

    /// Standard output of a git command, or nil when git is missing or fails.
    static func git(_ arguments: [String], in directory: URL) -> String? {
        guard let outcome = try? ExternalCommand.run("git", ["-C", directory.path] + arguments), outcome.status == 0 else { return nil }
        return outcome.output
    }
}
