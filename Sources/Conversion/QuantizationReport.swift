import Foundation
import Provenance
import Quantization

/// What `megalodon-quantize` did to each tensor and what it cost, as a table for people and as JSON
/// (`--report`) for scripts.
public struct QuantizationReport: Codable, Equatable, Sendable {
    public struct TensorEntry: Codable, Equatable, Sendable {
        /// The weight's name in the output's convention (before `.qweight`/`.scales` are added).
        public var name: String
        public var shape: [Int]
        /// The float dtype the unquantized output would have.
        public var dtype: String
        /// The scheme used, or nil when kept in float.
        public var scheme: String?
        /// Why the tensor stayed in float.
        public var keptReason: String?
        /// Stored bits per value, scales and padding included.
        public var bitsPerWeight: Double
        /// RMS error relative to the tensor's RMS (nil when kept, or not measured as in a dry run).
        public var relativeRMSError: Double?
        public var maxAbsoluteError: Double?
        public var bytesBefore: Int
        public var bytesAfter: Int

        enum CodingKeys: String, CodingKey {
            case name, shape, dtype, scheme
            case keptReason = "kept_reason", bitsPerWeight = "bits_per_weight", relativeRMSError = "relative_rmse"
            case maxAbsoluteError = "max_abs_error", bytesBefore = "bytes_before", bytesAfter = "bytes_after"
        }
    }

    public struct Totals: Codable, Equatable, Sendable {
        public var tensors: Int
        public var quantized: Int
        /// Bytes of the same tensors written unquantized (as megalodon-convert would).
        public var bytesBefore: Int
        public var bytesAfter: Int
        /// bytesBefore / bytesAfter.
        public var compression: Double

        enum CodingKeys: String, CodingKey {
            case tensors, quantized, compression
            case bytesBefore = "bytes_before", bytesAfter = "bytes_after"
        }
    }

    /// Where the result came from, so a report can be reproduced: the tool, its version and commit,
    /// the CPU and threads (as results.json records them, from the same `ToolRun`), the input and
    /// the settings.
    public struct Manifest: Codable, Equatable, Sendable {
        public struct InputFile: Codable, Equatable, Sendable {
            public var name: String
            public var bytes: Int

            public init(name: String, bytes: Int) { (self.name, self.bytes) = (name, bytes) }
        }

        public var tool: String
        public var toolVersion: String
        public var gitCommit: String
        /// The machine and threads it ran on.
        public var environment: RunEnvironment
        public var input: String
        /// The input's files with their sizes (hashing a multi-gigabyte model would cost more than quantizing it).
        public var inputFiles: [InputFile]
        public var output: String
        public var settings: [String: String]

        public init(run: ToolRun, input: String, inputFiles: [InputFile], output: String, settings: [String: String]) {
            (tool, toolVersion, gitCommit, environment) = (run.tool, run.toolVersion, run.gitCommit, run.environment)
            (self.input, self.inputFiles, self.output, self.settings) = (input, inputFiles, output, settings)
        }

        enum CodingKeys: String, CodingKey {
            case tool, input, output, settings, environment
            case toolVersion = "tool_version", gitCommit = "git_commit", inputFiles = "input_files"
        }
    }

    /// `--eval-text`: perplexity of both models on the same tokens.
    public struct PerplexityComparison: Codable, Equatable, Sendable {
        public var text: String
        public var context: Int
        public var chunks: Int
        public var scoredTokens: Int
        public var original: Double
        public var quantized: Double
        /// quantized / original − 1.
        public var relativeChange: Double { quantized / original - 1 }

        public init(text: String, context: Int, chunks: Int, scoredTokens: Int, original: Double, quantized: Double) {
            (self.text, self.context, self.chunks, self.scoredTokens, self.original, self.quantized) = (
                text, context, chunks, scoredTokens, original, quantized
            )
        }

        enum CodingKeys: String, CodingKey {
            case text, context, chunks, original, quantized
            case scoredTokens = "scored_tokens", relativeChange = "relative_change"
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                text: try container.decode(String.self, forKey: .text), context: try container.decode(Int.self, forKey: .context),
                chunks: try container.decode(Int.self, forKey: .chunks),
                scoredTokens: try container.decode(Int.self, forKey: .scoredTokens),
                original: try container.decode(Double.self, forKey: .original),
                quantized: try container.decode(Double.self, forKey: .quantized))
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(text, forKey: .text)
            try container.encode(context, forKey: .context)
            try container.encode(chunks, forKey: .chunks)
            try container.encode(scoredTokens, forKey: .scoredTokens)
            try container.encode(original, forKey: .original)
            try container.encode(quantized, forKey: .quantized)
            try container.encode(relativeChange, forKey: .relativeChange)
        }
    }

    public var manifest: Manifest
    public var tensors: [TensorEntry]
    public var totals: Totals
    public var perplexity: PerplexityComparison?

    /// Builds the report of `source`; quality figures are those measured so far (none in a dry run).
    public init(source: QuantizedModelSource, manifest: Manifest) {
        let qualities = source.qualities
        let outputBytes = Dictionary(source.tensorInfos.map { ($0.name, $0.byteCount) }, uniquingKeysWith: { first, _ in first })
        tensors = source.decisions.map { entry in
            let info = entry.info
            let after = entry.outputNames.reduce(0) { $0 + (outputBytes[$1] ?? 0) }
            var row = TensorEntry(
                name: info.name, shape: info.shape, dtype: info.dtype.rawValue, scheme: nil, keptReason: nil,
                bitsPerWeight: info.elementCount > 0 ? Double(8 * after) / Double(info.elementCount) : 0,
                relativeRMSError: nil, maxAbsoluteError: nil, bytesBefore: info.byteCount, bytesAfter: after)
            switch entry.decision {
            case let .quantize(scheme):
                row.scheme = scheme.description
                if let quality = qualities[info.name] {
                    row.relativeRMSError = quality.relativeRMSError
                    row.maxAbsoluteError = quality.maxAbsoluteError
                }
            case let .keep(reason): row.keptReason = reason.rawValue
            }
            return row
        }
        let before = tensors.reduce(0) { $0 + $1.bytesBefore }, after = tensors.reduce(0) { $0 + $1.bytesAfter }
        totals = Totals(
            tensors: tensors.count, quantized: tensors.filter { $0.scheme != nil }.count, bytesBefore: before, bytesAfter: after,
            compression: after > 0 ? Double(before) / Double(after) : 0)
        self.manifest = manifest
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// The per-tensor table as aligned text.
    public var table: String {
        let header = ["tensor", "shape", "stored as", "bits/w", "rel. RMSE", "max |err|"]
        let rows = tensors.map { entry -> [String] in
            [
                entry.name, entry.shape.map(String.init).joined(separator: "×"),
                entry.scheme ?? "kept (\(entry.keptReason ?? "float"))", String(format: "%.2f", entry.bitsPerWeight),
                entry.relativeRMSError.map { String(format: "%.3e", $0) } ?? "-",
                entry.maxAbsoluteError.map { String(format: "%.3e", $0) } ?? "-",
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let lines = ([header] + rows).map { row in
            row.enumerated().map { column, text in
                let padding = String(repeating: " ", count: widths[column] - text.count)
                return column >= 3 ? padding + text : text + padding
            }.joined(separator: "  ")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
