/// Python `str` semantics the harnesses rely on, over Unicode scalars (Python's code points).
public enum PythonText {
    /// `str.isspace()` for one code point: bidi class WS/B/S or category Zs. Unlike Unicode's
    /// White_Space property this includes U+001C…U+001F.
    public static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `string.punctuation`: the 32 ASCII punctuation characters only.
    public static func isASCIIPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    /// `str.strip()`.
    public static func strip(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return string(scalars[first...last])
    }

    /// How many trailing code points `str.rstrip()` would remove.
    public static func trailingSpaceCount(_ text: String) -> Int {
        var count = 0
        for scalar in text.unicodeScalars.reversed() {
            guard isSpace(scalar) else { break }
            count += 1
        }
        return count
    }

    /// `str.split()` with no separator: runs of whitespace separate, no empty fields.
    public static func splitOnWhitespace(_ text: String) -> [String] {
        var fields: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isSpace(scalar) {
                if !current.isEmpty { fields.append(String(current)); current = String.UnicodeScalarView() }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { fields.append(String(current)) }
        return fields
    }

    /// Deletes every `string.punctuation` character (`str.translate` with a deletion table).
    public static func removingASCIIPunctuation(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !isASCIIPunctuation(scalar) { result.append(scalar) }
        return String(result)
    }

    /// `str.lower()`: full lowercase mappings (İ becomes two code points) plus the context rule
    /// for capital sigma (final form ς after a cased letter when no cased letter follows).
    public static func lower(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            if scalar.value == 0x3A3 {
                result.append(isFinalSigma(scalars, at: index) ? "\u{3C2}" : "\u{3C3}")
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(result)
    }

    private static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, scalars[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, scalars[before].properties.isCased else { return false }
        var after = index + 1
        while after < scalars.count, scalars[after].properties.isCaseIgnorable { after += 1 }
        return after == scalars.count || !scalars[after].properties.isCased
    }

    /// Python's `len(str)`.
    public static func length(_ text: String) -> Int { text.unicodeScalars.count }

    static func string<S: Sequence>(_ scalars: S) -> String where S.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
