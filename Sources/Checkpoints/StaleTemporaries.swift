import Foundation

/// The hidden temporaries `AtomicOutput` writes beside a final name (`.NAME.partial-PID-XXXXXX`), and
/// their cleanup: a process killed mid-write (kill -9, power loss) leaves one behind, and the next
/// write of the same name removes it. A temporary whose PID still runs may belong to a concurrent
/// writer and is left alone; one without a PID (older name form) is removed.
enum StaleTemporaries {
    static func prefix(for url: URL) -> String { ".\(url.lastPathComponent).partial-" }

    static func remove(besides url: URL) {
        let folder = url.deletingLastPathComponent()
        let prefix = prefix(for: url)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            if let pid = rest.split(separator: "-", maxSplits: 1).first.flatMap({ Int32($0) }), isRunning(pid) { continue }
            unlink(folder.appendingPathComponent(name).path)
        }
    }

    /// Signal 0 checks existence without sending anything (EPERM: it exists but is not ours).
    private static func isRunning(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }
}
