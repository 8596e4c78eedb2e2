import Checkpoints
import Foundation
import Models
import Provenance
import Quantization
import Tokenizers

/// `megalodon-quantize` as one library call: plan the input as megalodon-convert would, quantize as
/// the policy says, write the output atomically, optionally compare perplexities, and report every
/// tensor's decision with a manifest (written as JSON when asked).
public struct QuantizationJob {
    public struct Settings {
        /// Anything megalodon-convert reads.
        public var input: String
        /// A configuration file for an input that has none.
        public var configPath: String?
        public var policy: QuantizationPolicy
        /// A text to score the original and the quantized model on, in chunks of `evalContext` tokens.
        public var evalText: String?
        public var evalContext = 512
        public var evalChunks: Int?
        /// Where to also write the report as JSON.
        public var reportPath: String?
        public var overwrite = false
        public var arithmetic: QuantizedArithmetic = .integer

        public init(input: String, policy: QuantizationPolicy) { (self.input, self.policy) = (input, policy) }
    }

    public let settings: Settings
    /// Who runs the job (tool, version, commit, machine), recorded in the report's manifest.
    public let run: ToolRun
    public let quantization: ModelQuantization

    /// Opens the input and plans the quantization into an output of `kind`.
    public init(settings: Settings, run: ToolRun, kind: OutputKind) throws {
        let opened = try CheckpointInput.open(settings.input, configPath: settings.configPath)
        let tokenizerKeys = kind == .gguf ? try TokenizerGGUFKeys.keys(for: opened.tokenizerFiles) : []
        var quantization = try ModelQuantization(input: opened, kind: kind, policy: settings.policy, tokenizerGGUFKeys: tokenizerKeys)
        quantization.overwrite = settings.overwrite
        (self.settings, self.run, self.quantization) = (settings, run, quantization)
    }

    /// The report of what would be written, measuring nothing (a dry run).
    public var plannedReport: QuantizationReport { quantization.report(manifest: manifest(output: "(dry run)")) }

    /// Writes the output at `output`, compares perplexities when asked, writes the JSON report when
    /// asked, and returns the report.
    public func write(to output: String, meters: ProgressMeters = ProgressMeter.silent) throws -> QuantizationReport {
        let writing = meters("quantizing into \(output)", quantization.source.outputByteCount, .bytes)
        var last = 0
        try quantization.write(to: output) { total in
            writing.advance(total - last)
            last = total
        }
        writing.finish()
        var report = quantization.report(manifest: manifest(output: output))
        if let text = settings.evalText { report.perplexity = try comparePerplexity(text: text, output: output, meters: meters) }
        if let path = settings.reportPath {
            try AtomicOutput.writeFile(at: path, overwrite: settings.overwrite) { try $0.write([UInt8](try report.json())) }
        }
        return report
    }

    /// The manifest: who ran it, on what input, into what output, with which settings.
    public func manifest(output: String) -> QuantizationReport.Manifest {
        let policy = settings.policy
        var recorded = [
            "scheme": policy.scheme.description, "embeddings": policy.embeddings?.description ?? "keep",
            "keep": policy.keep.map(\.description).joined(separator: " "), "only": policy.only.map(\.description).joined(separator: " "),
            "threads": String(run.environment.threads),
        ]
        if let text = settings.evalText {
            recorded.merge([
                "eval_text": text, "eval_context": String(settings.evalContext),
                "eval_chunks": settings.evalChunks.map(String.init) ?? "all",
            ]) { $1 }
        }
        return QuantizationReport.Manifest(
            run: run, input: settings.input, inputFiles: ModelQuantization.inputFiles(of: settings.input),
            output: output, settings: recorded)
    }

    /// Perplexity of the input and of the written output on the same tokens.
    func comparePerplexity(text: String, output: String, meters: ProgressMeters) throws -> QuantizationReport.PerplexityComparison {
        var meter: ProgressMeter?
        var done = 0
        let result = try QuantizationReport.PerplexityComparison.measure(
            original: try ModelBundle.open(settings.input, arithmetic: settings.arithmetic),
            quantized: try ModelBundle.open(output, arithmetic: settings.arithmetic),
            originalPath: settings.input, text: text, context: settings.evalContext, chunks: settings.evalChunks
        ) { label, chunk, total in
            if chunk == 0 {
                meter?.finish()
                (meter, done) = (meters("perplexity, \(label)", total, .items), 0)
            }
            meter?.advance(chunk - done)
            done = chunk
        }
        meter?.finish()
        return result
    }
}
