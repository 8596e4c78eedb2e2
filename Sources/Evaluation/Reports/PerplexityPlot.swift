import Foundation

/// Figure 5 as SVG: perplexity against context length on a log₂ x axis, one line per model.
public struct PerplexityPlot {
    public var series: [(model: String, points: [(context: Int, perplexity: Double)])]

    public init(_ results: [RunResults], labelling: ResultsLabel = .model) {
        series = results.compactMap { result in
            guard let curve = result.perplexity?.shownCurve, !curve.points.isEmpty else { return nil }
            return (labelling.label(result) + (curve.onePass ? " (one pass)" : ""), curve.points.map { ($0.contextLength, $0.perplexity) })
        }
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    public func svg(width: Double = 720, height: Double = 440) -> String {
        let (left, right, top, bottom) = (90.0, 170.0, 30.0, 50.0)
        let points = series.flatMap(\.points).filter { $0.perplexity.isFinite }
        guard let minX = points.map(\.context).min(), let maxX = points.map(\.context).max(),
            let minY = points.map(\.perplexity).min(), let maxY = points.map(\.perplexity).max()
        else {
            return ##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="10" y="25">no perplexity data</text></svg>"##
                + "\n"
        }
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let (lowX, highX) = (log2(Double(minX)), max(log2(Double(maxX)), log2(Double(minX)) + 1))
        let padY = max((maxY - minY) * 0.08, maxY * 0.01, 1e-9)
        let (lowY, highY) = (minY - padY, maxY + padY)
        func x(_ context: Int) -> Double { left + (log2(Double(context)) - lowX) / (highX - lowX) * plotWidth }
        func y(_ value: Double) -> Double { top + (highY - value) / (highY - lowY) * plotHeight }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var svg = [
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(f(width))" height="\##(f(height))" font-family="sans-serif" font-size="12">"##,
            ##"<rect width="100%" height="100%" fill="white"/>"##,
            ##"<rect x="\##(f(left))" y="\##(f(top))" width="\##(f(plotWidth))" height="\##(f(plotHeight))" fill="none" stroke="#444"/>"##,
        ]
        var tick = 1 << Int(lowX.rounded(.up))
        while Double(tick) <= pow(2, highX) {
            let position = x(tick)
            svg.append(
                ##"<line x1="\##(f(position))" y1="\##(f(top))" x2="\##(f(position))" y2="\##(f(top + plotHeight))" stroke="#ddd"/>"##)
            svg.append(
                ##"<text x="\##(f(position))" y="\##(f(top + plotHeight + 18))" text-anchor="middle">\##(ResultsTable.shortLength(tick))</text>"##
            )
            tick *= 2
        }
        for step in 0...5 {
            let value = lowY + (highY - lowY) * Double(step) / 5
            svg.append(
                ##"<line x1="\##(f(left))" y1="\##(f(y(value)))" x2="\##(f(left + plotWidth))" y2="\##(f(y(value)))" stroke="#eee"/>"##)
            svg.append(
                ##"<text x="\##(f(left - 6))" y="\##(f(y(value) + 4))" text-anchor="end">\##(String(format: value < 10 ? "%.3f" : value < 1000 ? "%.2f" : "%.0f", value))</text>"##
            )
        }
        svg.append(
            ##"<text x="\##(f(left + plotWidth / 2))" y="\##(f(height - 12))" text-anchor="middle">context length (tokens, log scale)</text>"##
        )
        svg.append(##"<text transform="translate(16 \##(f(top + plotHeight / 2))) rotate(-90)" text-anchor="middle">perplexity</text>"##)
        for (index, line) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let path = line.points.filter { $0.perplexity.isFinite }.map { "\(f(x($0.context))),\(f(y($0.perplexity)))" }.joined(
                separator: " ")
            svg.append(##"<polyline points="\##(path)" fill="none" stroke="\##(colour)" stroke-width="2"/>"##)
            for point in line.points where point.perplexity.isFinite {
                svg.append(##"<circle cx="\##(f(x(point.context)))" cy="\##(f(y(point.perplexity)))" r="3" fill="\##(colour)"/>"##)
            }
            let legendY = top + 16 + Double(index) * 20
            svg.append(
                ##"<line x1="\##(f(width - right + 12))" y1="\##(f(legendY - 4))" x2="\##(f(width - right + 36))" y2="\##(f(legendY - 4))" stroke="\##(colour)" stroke-width="2"/>"##
            )
            svg.append(##"<text x="\##(f(width - right + 42))" y="\##(f(legendY))">\##(Self.escape(line.model))</text>"##)
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }
}
