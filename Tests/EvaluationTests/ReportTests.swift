import Foundation
import Testing

@testable import Evaluation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Tables and the perplexity plot from results files.
struct ReportTests {
    static func results(model: String, tasks: [String: RunResults.TaskResult] = [:], perplexity: [(Int, Double)] = []) -> RunResults {
        let manifest = Manifest(
            tool: "t", toolVersion: "0", gitCommit: "unknown", model: .init(path: "/models/\(model)", sha256: "x"),
            dataFiles: [:], settings: [:])
        let report =
            perplexity.isEmpty
            ? nil
            : PerplexityReport(
                corpus: ["kjv.txt"], corpusTokens: 1 << 22, budget: 1 << 21,
                segments: perplexity.map {
                    .init(contextLength: $0.0, segments: (1 << 21) / $0.0, targets: 1 << 21, meanNLL: log($0.1), perplexity: $0.1)
                },
                cumulative: [], rolling: nil)
        return RunResults(manifest: manifest, tasks: tasks, perplexity: report)
    }

    static func task(_ metrics: [String: Double]) -> RunResults.TaskResult {
        .init(items: 10, skipped: 0, metrics: metrics.mapValues { .init(value: $0, stderr: 0.01) }, scoring: nil)
    }

    @Test func tableHasOneRowPerModelAndThePapersMetricPerTask() throws {
        let a = Self.results(
            model: "mega,200M", tasks: ["arc_easy": Self.task(["acc": 0.5, "acc_norm": 0.625]), "boolq": Self.task(["acc": 0.75])])
        let aPerplexity = Self.results(model: "mega,200M", perplexity: [(4096, 12.5), (1 << 21, 10.25)])
        let b = Self.results(
            model: "llama",
            tasks: [
                "boolq": Self.task(["acc": 0.5]),
                "scrolls_qasper": Self.task(["f1": 31.5]),
            ])
        let table = ResultsTable([a, aPerplexity, b])
        #expect(table.columns == ["arc_easy (acc_norm)", "boolq (acc)", "PPL@4K", "PPL@2M", "scrolls_qasper (f1)"])
        #expect(table.rows.map(\.model) == ["mega,200M", "llama"])
        #expect(table.rows[0].cells == [62.5, 75, 12.5, 10.25, nil])
        #expect(table.rows[1].cells == [nil, 50, nil, nil, 31.5])
        #expect(table.markdown().contains("| mega,200M | 62.50 | 75.00 | 12.50 | 10.25 | – |"))
        let csv = table.csv().components(separatedBy: "\r\n")
        #expect(csv[0] == "model,arc_easy (acc_norm),boolq (acc),PPL@4K,PPL@2M,scrolls_qasper (f1)")
        #expect(csv[1] == "\"mega,200M\",62.5,75.0,12.5,10.25,")
    }

    @Test func plotDrawsOneLinePerModelOnALogAxis() throws {
        let svg = PerplexityPlot([
            Self.results(model: "a<b", perplexity: [(4096, 20), (8192, 18), (1 << 21, 12)]),
            Self.results(model: "c", perplexity: [(4096, 25), (1 << 21, 15)]),
            Self.results(model: "no-ppl", tasks: ["boolq": Self.task(["acc": 0.5])]),
        ]).svg()
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(svg.contains(">a&lt;b</text>") && !svg.contains("no-ppl"))
        // 4K…2M is 9 doublings: ten labelled ticks.
        for label in ["4K", "8K", "16K", "32K", "64K", "128K", "256K", "512K", "1M", "2M"] { #expect(svg.contains(">\(label)</text>")) }
        // Equal ratios sit at equal distances: x(8K) - x(4K) is a ninth of x(2M) - x(4K).
        let xs = try #require(svg.components(separatedBy: "<circle cx=\"").dropFirst().prefix(3).map { Double($0.prefix { $0 != "\"" }) })
        let (x4, x8, x2m) = (try #require(xs[0]), try #require(xs[1]), try #require(xs[2]))
        #expect(abs((x8 - x4) * 9 - (x2m - x4)) < 0.5)
        let parsed = XMLParser(data: Data(svg.utf8))
        #expect(parsed.parse(), "the SVG is well-formed XML")
    }

    /// `megalodon-eval perplexity --no-segments` (a 7B model, where a segment pass costs an hour) leaves
    /// only the cumulative curve: tables and plots show it, labelled so it is not read as the paper's curve.
    @Test func aOnePassCurveIsShownAndLabelledWhenNoSegmentsWereScored() throws {
        var onePass = Self.results(model: "mega7B", perplexity: [(4096, 99)])
        onePass.perplexity?.segments = []
        onePass.perplexity?.cumulative = [
            .init(contextLength: 4096, meanNLL: log(30.0), perplexity: 30), .init(contextLength: 32768, meanNLL: log(20.0), perplexity: 20),
        ]
        let segmented = Self.results(model: "mega200M", perplexity: [(4096, 12.5)])
        let table = ResultsTable([segmented, onePass])
        #expect(table.columns == ["PPL@4K", "PPL@4K (one pass)", "PPL@32K (one pass)"])
        #expect(table.rows.map(\.cells) == [[12.5, nil, nil], [nil, 30, 20]])
        let svg = PerplexityPlot([segmented, onePass]).svg()
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(svg.contains(">mega7B (one pass)</text>") && svg.contains(">mega200M</text>"))
    }

    @Test func resultsRoundTripThroughJSON() throws {
        let original = Self.results(model: "m", tasks: ["boolq": Self.task(["acc": 0.1 + 0.2])], perplexity: [(4096, 3.000000000000001)])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        try RunOutput.write(original, samples: [], to: folder, overwrite: false)
        #expect(try RunResults.load(from: folder.appendingPathComponent(RunOutput.resultsName)) == original)
    }
}
