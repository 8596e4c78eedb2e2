import Foundation
import TestSupport

/// Reads a committed oracle fixture under Tests/EvaluationTests/Fixtures as untyped JSON.
func loadFixture(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: SharedFiles.tests("EvaluationTests/Fixtures/\(name)"))
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw FixtureError.notAnObject(name)
    }
    return object
}

enum FixtureError: Error { case notAnObject(String), missing(String) }

/// A Python int written as a decimal string, as 32-bit magnitude words (least significant first) and sign.
func decimalToWords(_ text: String) -> (words: [UInt32], negative: Bool) {
    var digits = Substring(text)
    let negative = digits.first == "-"
    if negative { digits = digits.dropFirst() }
    var words: [UInt32] = [0]
    for digit in digits {
        var carry = UInt64(digit.wholeNumberValue ?? 0)
        for index in words.indices {
            let product = UInt64(words[index]) * 10 + carry
            words[index] = UInt32(truncatingIfNeeded: product)
            carry = product >> 32
        }
        if carry > 0 { words.append(UInt32(carry)) }
    }
    while words.count > 1, words.last == 0 { words.removeLast() }
    return (words, negative)
}

/// A float the oracle wrote as its Python repr (exact), or a plain JSON number.
func exactDouble(_ value: Any?) -> Double? {
    if let text = value as? String { return Double(text) }
    return value as? Double
}
