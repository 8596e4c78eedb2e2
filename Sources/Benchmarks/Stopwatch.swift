import Foundation

/// Repeated measurements of one piece of work, summarised by the median: the benchmarks' one timing
/// helper.
public struct Timing: Sendable {
    /// What a measurement counts.
    public enum Clock: Sendable {
        /// Monotonic wall-clock time: the figure a user waits for.
        case wall
        /// CPU time of the calling thread: steadier when other processes compete for the cores, and
        /// meaningful only for single-threaded work.
        case threadCPU

        /// Seconds on this clock since an arbitrary origin.
        public var now: Double {
            switch self {
            case .wall:
                return Double(DispatchTime.now().uptimeNanoseconds) / 1e9
            case .threadCPU:
                var time = timespec()
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
                return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
            }
        }
    }

    public let samples: [Double]

    public init(samples: [Double]) { self.samples = samples }

    public var mean: Double { samples.isEmpty ? 0 : samples.reduce(0, +) / Double(samples.count) }

    public var median: Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    public var minimum: Double { samples.min() ?? 0 }
    public var maximum: Double { samples.max() ?? 0 }

    /// Runs `body` `repeats` times (after `prepare` each time, untimed) and records the seconds each took.
    public static func measure(repeats: Int, clock: Clock = .wall, prepare: () -> Void = {}, _ body: () throws -> Void) rethrows -> Timing {
        var samples: [Double] = []
        for _ in 0..<max(1, repeats) {
            prepare()
            samples.append(try seconds(clock: clock, body).seconds)
        }
        return Timing(samples: samples)
    }

    /// Seconds of one run of `body` on `clock` (wall clock by default), with its result.
    public static func seconds<Result>(clock: Clock = .wall, _ body: () throws -> Result) rethrows -> (result: Result, seconds: Double) {
        let start = clock.now
        let result = try body()
        return (result, clock.now - start)
    }
}

/// The process's peak resident set: Linux's VmHWM, which `reset()` sets back to the current
/// resident set (through /proc/self/clear_refs) so each step can be measured on its own; where
/// /proc is missing, getrusage's lifetime maximum.
public enum PeakMemory {
    public static func reset() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// Peak resident bytes since the process started or the last `reset()`.
    public static var bytes: Int {
        if let kilobytes = statusKilobytes("VmHWM:") { return kilobytes * 1024 }
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }

    /// Resident bytes now (VmRSS); 0 where /proc is unavailable.
    public static var currentResidentBytes: Int { (statusKilobytes("VmRSS:") ?? 0) * 1024 }

    private static func statusKilobytes(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return nil }
        return line.split(separator: " ").dropFirst().compactMap { Int($0) }.first
    }
}
