import Foundation
import Testing

/// Something a test needs that git does not hold: a released model in the cache, the shared data
/// folder, a kernel variant this CPU can run, root for mounting a small filesystem, a release build
/// of the tools beside the tests.
///
/// A test whose prerequisite is missing FAILS with the reason, so CI can never pass with the check
/// left out. A user without it may opt out explicitly: `MEGALODON_TEST_ALLOW_SKIP` lists the kinds to
/// skip (`model`, `data`, `cpu`, `root`, `build`, comma-separated, or `all`); such tests are then cancelled
/// with the reason, which `scripts/test` counts and prints in its summary.
public struct Prerequisite: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case model, data, cpu, root, build
    }

    public static let optOutVariable = "MEGALODON_TEST_ALLOW_SKIP"

    public let kind: Kind
    /// What is missing and how to get it, e.g. "SmolLM2 is not at … (run scripts/fetch-models)".
    public let reason: String
    public let isMet: Bool

    public init(kind: Kind, isMet: Bool, reason: String) {
        self.kind = kind
        self.isMet = isMet
        self.reason = reason
    }

    public var description: String { "\(kind): \(reason)" }

    /// Whether the user opted out of tests needing this kind.
    public var isOptedOut: Bool {
        let value = ProcessInfo.processInfo.environment[Self.optOutVariable] ?? ""
        let kinds = Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        return kinds.contains("all") || kinds.contains(kind.rawValue)
    }

    public struct Missing: Error, CustomStringConvertible {
        public let prerequisite: Prerequisite
        public var description: String {
            "cannot run: \(prerequisite.reason) (set \(Prerequisite.optOutVariable)=\(prerequisite.kind.rawValue) to skip such tests instead)"
        }
    }

    /// Returns when met; cancels the test (reported as skipped, with the reason) when missing and
    /// opted out; throws `Missing` (the test fails with the reason) otherwise. Use the `.requires`
    /// trait for whole tests: inside one case of a parameterized test a cancellation is not reported.
    public func check() throws {
        if isMet { return }
        if isOptedOut { try Test.cancel("skipped (\(Self.optOutVariable)): \(reason)") }
        throw Missing(prerequisite: self)
    }

    /// A file that must exist.
    public static func file(_ path: String, kind: Kind, _ howToGet: String) -> Prerequisite {
        Prerequisite(kind: kind, isMet: FileManager.default.fileExists(atPath: path), reason: "\(path) is missing (\(howToGet))")
    }

    /// A released model in the cache that `scripts/fetch-models` fills.
    public static func cachedModel(_ name: String) -> Prerequisite {
        file(SharedFiles.cachedModel(name), kind: .model, "run scripts/fetch-models")
    }

    /// SmolLM2-135M-Instruct, Q4_1 GGUF: the released model the parity tests run.
    public static var smolLM2: Prerequisite { cachedModel(smolLM2Name) }
    public static let smolLM2Name = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// A file or folder of the shared data beside the checkout (`MEGALODON_SHARED`).
    public static func sharedData(_ relativePath: String) -> Prerequisite {
        file(SharedFiles.shared(relativePath).path, kind: .data, "the shared data folder; set MEGALODON_SHARED")
    }

    /// A tool built beside the test bundle (`swift build --build-tests` builds them all).
    public static func builtTool(_ name: String) -> Prerequisite {
        Prerequisite(
            kind: .build, isMet: SharedFiles.builtTool(name) != nil,
            reason: "\(name) is not built beside the tests (swift build -c release --build-tests)")
    }

    /// Model-sized tests take minutes in a debug build; scripts/test builds release.
    public static var releaseBuild: Prerequisite {
        Prerequisite(
            kind: .build, isMet: !_isDebugAssertConfiguration(), reason: "a model-sized test needs a release build (swift test -c release)")
    }

    /// All of them, the first unmet one deciding.
    public static func all(_ prerequisites: [Prerequisite]) -> Prerequisite {
        prerequisites.first { !$0.isMet } ?? Prerequisite(kind: prerequisites.first?.kind ?? .data, isMet: true, reason: "")
    }
}

/// `@Test(.requires(.smolLM2))`: checks the prerequisites before the test runs. Opted out, the
/// whole test is skipped before any case runs (a case cancelled on its own would leave a
/// parameterized test reported as passed); otherwise each case fails with the reason, so the test is
/// reported failed like any other. A suite's trait reaches each of its tests.
public struct PrerequisiteTrait: TestTrait, SuiteTrait, TestScoping {
    public let prerequisites: [Prerequisite]
    public var isRecursive: Bool { true }

    public func prepare(for test: Test) async throws {
        if test.isSuite { return }
        for prerequisite in prerequisites where !prerequisite.isMet && prerequisite.isOptedOut { try prerequisite.check() }
    }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        if testCase != nil { for prerequisite in prerequisites { try prerequisite.check() } }
        try await function()
    }
}

extension Trait where Self == PrerequisiteTrait {
    public static func requires(_ prerequisites: Prerequisite...) -> Self { PrerequisiteTrait(prerequisites: prerequisites) }
}
