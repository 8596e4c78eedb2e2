import Checkpoints
import Foundation
import Provenance

/// results.json: what a run measured and everything needed to reproduce it.
public struct RunResults: Codable, Equatable, Sendable {
    public struct MetricValue: Codable, Equatable, Sendable {
        public var value: Double
        /// lm-eval's closed-form stderr of a mean; nil for corpus-level metrics and single items.
        public var stderr: Double?
    }

    public struct TaskResult: Codable, Equatable, Sendable {
        public var items: Int
        public var skipped: Int
        public var metrics: [String: MetricValue]
        /// `TaskScoring.name`, so shards can be merged without the task definitions.
        public var scoring: String?
    }

    public var manifest: Manifest
    public var tasks: [String: TaskResult]
    public var perplexity: PerplexityReport?

    public init(manifest: Manifest, tasks: [String: TaskResult] = [:], perplexity: PerplexityReport? = nil) {
        self.manifest = manifest
        self.tasks = tasks
        self.perplexity = perplexity
    }

    /// Stable bytes: sorted keys, so an identical run writes an identical file.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    public static func load(from url: URL) throws -> RunResults {
        do {
            return try JSONDecoder().decode(RunResults.self, from: Data(contentsOf: url))
        } catch {
            throw EvaluationDataError.unreadable(file: url.path, reason: String(describing: error))
        }
    }
}

/// Who produced a result, from what, and how.
public struct Manifest: Codable, Equatable, Sendable {
    public struct ModelIdentity: Codable, Equatable, Sendable {
        public var path: String
        /// sha256 over config.json and the weights' headers or index (cheap, and changes with any tensor
        /// layout or config change; not with a silent in-place edit of tensor bytes).
        public var sha256: String
    }

    public var tool: String
    public var toolVersion: String
    public var gitCommit: String
    /// The lm-evaluation-harness release whose prompts, requests and metrics are followed.
    public var lmEvalVersion: String
    public var model: ModelIdentity
    /// Data file path → sha256.
    public var dataFiles: [String: String]
    public var settings: [String: String]
    /// "i/n" for one shard of a run, nil for a whole run.
    public var shard: String?
    /// The scoring protocol ("lm-eval" or "llama") and, per task, how it was prompted and scored.
    public var protocolCard: [String: String]?
    /// The machine and threads it ran on; not part of the run's identity (see `RunEnvironment`).
    public var environment: RunEnvironment?

    public static let followedLMEvalVersion = "0.4.13"

    public init(
        tool: String, toolVersion: String, gitCommit: String, model: ModelIdentity, dataFiles: [String: String],
        settings: [String: String], shard: String? = nil, protocolCard: [String: String]? = nil,
        environment: RunEnvironment? = nil
    ) {
        self.tool = tool
        self.toolVersion = toolVersion
        self.gitCommit = gitCommit
        self.lmEvalVersion = Self.followedLMEvalVersion
        self.model = model
        self.dataFiles = dataFiles
        self.settings = settings
        self.shard = shard
        self.protocolCard = protocolCard
        self.environment = environment
    }

    /// The manifest of a run by `run` (tool, version, commit, machine).
    public init(
        run: ToolRun, model: ModelIdentity, dataFiles: [String: String], settings: [String: String], shard: String? = nil,
        protocolCard: [String: String]? = nil
    ) {
        self.init(
            tool: run.tool, toolVersion: run.toolVersion, gitCommit: run.gitCommit, model: model, dataFiles: dataFiles,
            settings: settings, shard: shard, protocolCard: protocolCard, environment: run.environment)
    }

    /// What decides the results: everything but the shard and the environment. Resume keys and the
    /// shard merge compare this.
    public var identity: Manifest {
        var copy = self
        copy.shard = nil
        copy.environment = nil
        return copy
    }

    enum CodingKeys: String, CodingKey {
        case tool, model, settings, shard, environment
        case toolVersion = "tool_version", gitCommit = "git_commit", lmEvalVersion = "lm_eval_version", dataFiles = "data_files"
        case protocolCard = "protocol_card"
    }
}

extension Manifest.ModelIdentity {
    /// A model directory (`of(directory:)`) or a GGUF file, whose header, metadata and tensor table
    /// (every byte before the tensor data) are hashed, by the same cheap rule as a directory's headers.
    public static func of(model location: URL) throws -> Manifest.ModelIdentity {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location.path, isDirectory: &isDirectory) else {
            throw CheckpointOpenError.notFound(path: location.path)
        }
        if isDirectory.boolValue { return try of(directory: location) }
        let file = try GGUFFile(path: location.path)
        let handle = try FileHandle(forReadingFrom: location)
        defer { try? handle.close() }
        var hasher = SHA256()
        hasher.update(try handle.read(upToCount: file.dataOffset) ?? Data())
        return Manifest.ModelIdentity(path: location.path, sha256: hasher.finalize())
    }

    /// Hashes config.json plus, for each weights file, its safetensors header (the 8-byte length and
    /// the JSON it announces) or the whole index file; other files in the folder are ignored.
    public static func of(directory: URL) throws -> Manifest.ModelIdentity {
        var hasher = SHA256()
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        for name in names where name == "config.json" || name.hasSuffix(".index.json") {
            hasher.update(Array(name.utf8))
            hasher.update(try Data(contentsOf: directory.appendingPathComponent(name)))
        }
        for name in names where name.hasSuffix(".safetensors") && !name.hasPrefix(".") {
            let handle = try FileHandle(forReadingFrom: directory.appendingPathComponent(name))
            defer { try? handle.close() }
            let lengthBytes = try handle.read(upToCount: 8) ?? Data()
            let length = lengthBytes.count == 8 ? lengthBytes.reversed().reduce(0) { ($0 << 8) | Int($1) } : 0
            hasher.update(Array(name.utf8))
            hasher.update(lengthBytes)
            hasher.update(try handle.read(upToCount: min(max(length, 0), 100 << 20)) ?? Data())
        }
        return Manifest.ModelIdentity(path: directory.path, sha256: hasher.finalize())
    }
}
