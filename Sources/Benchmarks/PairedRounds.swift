/// Two sides timed in the same rounds (each round measures both back to back), summarised so that a
/// machine whose speed drifts between rounds does not move the comparison: the median of the
/// per-round ratios, and how many rounds the first side won.
public struct PairedRounds: Sendable {
    /// A figure per round where higher is faster (tokens/s, GB/s).
    public let ours: [Double]
    public let theirs: [Double]

    public init(ours: [Double], theirs: [Double]) { (self.ours, self.theirs) = (ours, theirs) }

    public var ratios: [Double] { zip(ours, theirs).map { $0 / max($1, .leastNonzeroMagnitude) } }
    public var medianRatio: Double { Timing(samples: ratios).median }
    public var oursFaster: Int { zip(ours, theirs).filter { $0 > $1 }.count }
}
