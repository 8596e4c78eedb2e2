import Foundation
import Provenance

/// A one-line progress display on stderr: amount done, rate and ETA, redrawn at most a few times a
/// second on a terminal. When stderr is a log file (a batch job, `scripts/scale-check`), one line
/// every `logInterval` seconds instead, so an hour-long run shows its rate and ETA without flooding it.
public final class ProgressReporter {
    public enum Unit {
        case bytes, tokens, items

        func format(_ amount: Double) -> String {
            switch self {
            case .bytes: return ByteCountText.format(amount)
            case .tokens: return String(format: "%.0f tok", amount)
            case .items: return String(format: "%.0f", amount)
            }
        }

        /// A rate per second, with three significant figures below 100: a 7B evaluation scores about
        /// 0.2 items a second, which whole numbers showed as "0/s".
        func formatRate(_ perSecond: Double) -> String {
            let number = String(format: perSecond < 10 ? "%.2f" : perSecond < 100 ? "%.1f" : "%.0f", perSecond)
            switch self {
            case .bytes: return ByteCountText.format(perSecond)
            case .tokens: return number + " tok"
            case .items: return number
            }
        }
    }

    private let label: String
    private let total: Double
    private let unit: Unit
    private let terminal: Bool
    /// Seconds between lines when stderr is not a terminal.
    public static let logInterval: TimeInterval = 30
    private let start = Date()
    private var done: Double = 0
    private var lastDraw = Date.distantPast
    private var linesInLog = 0

    public init(_ label: String, total: Int, unit: Unit, always: Bool = false) {
        self.label = label
        self.total = Double(total)
        self.unit = unit
        self.terminal = always || isatty(STDERR_FILENO) != 0
        // A log's first line comes after one interval: short jobs leave no progress lines in it.
        if !terminal { lastDraw = start }
    }

    public func advance(by amount: Int) {
        done += Double(amount)
        let now = Date()
        if now.timeIntervalSince(lastDraw) >= (terminal ? 0.25 : Self.logInterval) || (terminal && done >= total) {
            lastDraw = now
            draw(final: false)
        }
    }

    public func finish() {
        draw(final: true)
    }

    private func draw(final: Bool) {
        // In a log, a job that printed progress also prints its end; one too short to print any stays silent.
        guard terminal || !final || linesInLog > 0 else { return }
        if !terminal { linesInLog += 1 }
        let elapsed = max(Date().timeIntervalSince(start), 1e-9)
        let rate = done / elapsed
        let remaining = rate > 0 ? (total - done) / rate : 0
        let percent = total > 0 ? 100 * done / total : 100
        var line = String(
            format: "%@%@: %@ / %@ (%.1f%%), %@/s", terminal ? "\r" : "", label, unit.format(done), unit.format(total), percent,
            unit.formatRate(rate))
        line += final ? String(format: ", %.1f s\n", elapsed) : String(format: ", ETA %.0f s%@", remaining, terminal ? "   " : "\n")
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// Byte counts as people read them (binary units).
public enum ByteCountText {
    public static func format(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = bytes
        var index = 0
        while value >= 1024, index < units.count - 1 {
            value /= 1024
            index += 1
        }
        return index == 0 ? String(format: "%.0f B", value) : String(format: "%.2f %@", value, units[index])
    }
}

extension ProgressReporter {
    /// Library jobs' progress meters drawn as progress lines on stderr.
    public static let meters: ProgressMeters = { label, total, unit in
        let reporter = ProgressReporter(
            label, total: total,
            unit: {
                switch unit {
                case .items: return .items
                case .tokens: return .tokens
                case .bytes: return .bytes
                }
            }())
        return ProgressMeter(advance: reporter.advance(by:), finish: reporter.finish)
    }
}
