import Foundation
import Provenance
import Testing

@testable import Evaluation

@Suite struct RunComparisonTests {
    static func item(_ index: Int, ll: Double, prediction: String = "yes", acc: Double = 1) -> ItemResult {
        ItemResult(
            task: "boolq", docIndex: index, docID: "\(index)",
            requests: [.init(context: "c", continuation: " yes", logLikelihood: ll, isGreedy: true, generation: nil)],
            prediction: prediction, target: "yes", references: nil, metrics: ["acc": acc])
    }

    static func results(_ acc: Double) -> RunResults {
        let manifest = Manifest(
            tool: "t", toolVersion: "v", gitCommit: "c", model: .init(path: "m", sha256: "h"), dataFiles: [:], settings: [:])
        return RunResults(
            manifest: manifest, tasks: ["boolq": .init(items: 2, skipped: 0, metrics: ["acc": .init(value: acc, stderr: 0)], scoring: nil)])
    }

    @Test func roundingOfLogLikelihoodsWithinToleranceAgrees() {
        let comparison = RunComparison.compare(
            left: Self.results(1), leftSamples: [Self.item(0, ll: -1.0), Self.item(1, ll: -2.0)],
            right: Self.results(1), rightSamples: [Self.item(1, ll: -2.0 + 3e-6), Self.item(0, ll: -1.0)],
            tolerance: 1e-4)
        #expect(comparison.agrees)
        #expect(comparison.commonItems == 2)
        #expect(abs(comparison.maxLogLikelihoodDifference - 3e-6) < 1e-9)
    }

    @Test func aChangedPredictionOrMetricOrMissingItemDisagrees() {
        let flipped = RunComparison.compare(
            left: Self.results(1), leftSamples: [Self.item(0, ll: -1.0)],
            right: Self.results(0.5), rightSamples: [Self.item(0, ll: -1.0, prediction: "no", acc: 0)], tolerance: 1e-4)
        #expect(!flipped.agrees)
        #expect(flipped.differingItems == ["boolq#0"])
        #expect(flipped.metrics.contains { !$0.identical && $0.metric == "acc" })
        let missing = RunComparison.compare(
            left: Self.results(1), leftSamples: [Self.item(0, ll: -1.0), Self.item(1, ll: -1.0)],
            right: Self.results(1), rightSamples: [Self.item(0, ll: -1.0)], tolerance: 1e-4)
        #expect(missing.unmatchedItems == 1 && !missing.agrees)
        let far = RunComparison.compare(
            left: Self.results(1), leftSamples: [Self.item(0, ll: -1.0)],
            right: Self.results(1), rightSamples: [Self.item(0, ll: -1.01)], tolerance: 1e-4)
        #expect(!far.agrees)
    }

    @Test func theReportNamesDifferentKernels() {
        var left = Self.results(1), right = Self.results(1)
        left.manifest.environment = RunEnvironment(
            cpu: "A", logicalCPUs: 2, threads: 1, host: "n1", kernels: "quantized avx2, OpenBLAS Haswell")
        right.manifest.environment = RunEnvironment(
            cpu: "B", logicalCPUs: 2, threads: 1, host: "n2", kernels: "quantized avx512-vnni, OpenBLAS SkylakeX")
        let differing = RunComparison.compare(
            left: left, leftSamples: [Self.item(0, ll: -1.0)], right: right, rightSamples: [Self.item(0, ll: -1.0)], tolerance: 1e-4)
        #expect(differing.agrees)
        let report = differing.report(leftName: "a", rightName: "b")
        #expect(report.contains("kernels: a quantized avx2, OpenBLAS Haswell, b quantized avx512-vnni, OpenBLAS SkylakeX"), "\(report)")
        right.manifest.environment?.kernels = left.manifest.environment?.kernels
        let same = RunComparison.compare(
            left: left, leftSamples: [Self.item(0, ll: -1.0)], right: right, rightSamples: [Self.item(0, ll: -1.0)], tolerance: 1e-4)
        #expect(!same.report(leftName: "a", rightName: "b").contains("kernels:"))
    }

    @Test func mergeIgnoresTheEnvironmentButNotTheSettings() {
        var a = Self.results(1).manifest
        a.environment = RunEnvironment(cpu: "A", logicalCPUs: 2, threads: 1, host: "n1", kernels: "quantized avx2, OpenBLAS Haswell")
        a.shard = "0/2"
        var b = a
        b.environment = RunEnvironment(
            cpu: "B", logicalCPUs: 64, threads: 4, host: "n2", kernels: "quantized avx512-vnni, OpenBLAS SkylakeX")
        b.shard = "1/2"
        #expect(a.identity == b.identity)
        b.settings["limit"] = "5"
        #expect(a.identity != b.identity)
        #expect(RunEnvironment.cpuModel(cpuinfo: "processor\t: 0\nmodel name\t: AMD EPYC 9B45\n") == "AMD EPYC 9B45")
    }
}
