import Foundation

/// Repeated wall-clock measurements of one piece of work, summarised by the median.
public struct Timing: Sendable {
    public let samples: [Double]

    public var median: Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    public var minimum: Double { samples.min() ?? 0 }
    public var maximum: Double { samples.max() ?? 0 }

    /// Runs `body` `repeats` times (after `prepare` each time, untimed) and records the seconds each took.
    public static func measure(repeats: Int, prepare: () -> Void = {}, _ body: () throws -> Void) rethrows -> Timing {
        var samples: [Double] = []
        for _ in 0..<max(1, repeats) {
            prepare()
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return Timing(samples: samples)
    }
}

/// Memory the process holds, from the kernel.
public enum ProcessMemory {
    /// Peak resident set size so far, in bytes.
    public static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }
}
