/// How a long library job shows its progress without printing: it opens a meter per phase, advances
/// it and finishes it; a tool backs meters with its progress line (CommandSupport's
/// `ProgressReporter.meters`), tests with nothing.
public struct ProgressMeter {
    public enum Unit: Sendable { case items, tokens, bytes }

    public var advance: (Int) -> Void
    public var finish: () -> Void

    public init(advance: @escaping (Int) -> Void, finish: @escaping () -> Void) {
        (self.advance, self.finish) = (advance, finish)
    }

    /// Meters that show nothing.
    public static let silent: ProgressMeters = { _, _, _ in ProgressMeter(advance: { _ in }, finish: {}) }
}

/// Opens a meter labelled `label` for `total` units.
public typealias ProgressMeters = (_ label: String, _ total: Int, _ unit: ProgressMeter.Unit) -> ProgressMeter
