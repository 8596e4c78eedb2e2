import Foundation

/// How the official training code fills one parameter before training starts.
public enum InitialDistribution: Sendable, Equatable {
    /// `nn.init.normal_(mean: 0, std:)` (also `kaiming_normal_`, which is a normal with a derived std).
    case normal(std: Float)
    /// `nn.init.trunc_normal_(mean: 0, std:, a: -limit, b: limit)`: redrawn until inside the limits.
    case truncatedNormal(std: Float, limit: Float)
    /// Every element equal (zeros for the "+1"-offset norm weights, ones for Llama's RMSNorm).
    case constant(Float)
    /// CEMA `gamma [D, N, 2]`: real part `normal(std: 1)`, imaginary part zero.
    case complexRealNormal
    /// CEMA `theta [D, 1, 1]`: `logit(exp(-k·log(D)/D))` for k = 1…D, in a random (seeded) order.
    case cemaTheta
    /// Values fixed by the configuration (the RoPE `rope.freqs` buffer).
    case values([Float])

    /// `kaiming_normal_(a = sqrt(5))` with fan-in `inputs` (the official `init_mode = 'he'`):
    /// gain sqrt(2 / (1 + a²)) = sqrt(1/3), so std = 1 / sqrt(3 · fan_in).
    public static func he(fanIn inputs: Int) -> InitialDistribution { .normal(std: 1 / (3 * Float(inputs)).squareRoot()) }

    /// The official `init_mode = 'gaussian'` with `dim`: normal(std 1/sqrt(dim)) truncated at ±3 std.
    public static func gaussian(dim: Int) -> InitialDistribution {
        let std = 1 / Float(dim).squareRoot()
        return .truncatedNormal(std: std, limit: 3 * std)
    }
}

/// One parameter of a freshly initialised model: its official name, shape and distribution.
public struct InitialTensor: Sendable {
    public let name: String
    public let shape: [Int]
    public let distribution: InitialDistribution
    /// int64 scalars (the TimestepNorm `prior_count`) are stored as integers, whatever the dtype asked.
    public let isInteger: Bool
    /// The name whose random stream this tensor draws from: its own, or the embedding's for a tied
    /// output head (`share_emb`), so both are bit-identical.
    public let streamName: String

    public init(name: String, shape: [Int], distribution: InitialDistribution, isInteger: Bool = false, sameValuesAs: String? = nil) {
        self.name = name
        self.shape = shape
        self.distribution = distribution
        self.isInteger = isInteger
        streamName = sameValuesAs ?? name
    }

    /// Rows = the first axis, columns = everything after it (a scalar is one row of one column).
    public var rows: Int { shape.first ?? 1 }
    public var columns: Int { shape.dropFirst().reduce(1, *) }
}
