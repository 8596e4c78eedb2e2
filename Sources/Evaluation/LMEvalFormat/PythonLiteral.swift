/// Python's `str()` of the values lm-eval stringifies in its files (`str(target)`,
/// `sanitize_list(resps)`), so our files hold the same text lm-eval's would.
enum PythonLiteral {
    /// `repr(s)`: single quotes unless the text has a ' and no ", backslash escapes for the quote,
    /// backslash, \n \r \t and other non-printable characters.
    static func repr(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote {
                    out += "\\" + String(quote)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if (0x80..<0xA0).contains(scalar.value) {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append(quote)
        return out
    }

    /// `str(list_of_strings)`: "['a', 'b']".
    static func list(_ items: [String]) -> String { "[" + items.map(repr).joined(separator: ", ") + "]" }

    /// `str(float)`: the shortest text that reads back as the same double, as Python's repr; Python
    /// writes a two-digit exponent ("1e-05") and always a fraction or exponent ("1.0").
    static func float(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let swift = "\(value)"
        // Swift prints 1e-05 as "1e-05" and large values as "1e+16", as Python does.
        return swift
    }

    static func bool(_ value: Bool) -> String { value ? "True" : "False" }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
