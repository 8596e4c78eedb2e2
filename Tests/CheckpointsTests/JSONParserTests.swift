import Testing

@testable import Checkpoints

/// The header JSON parser must accept exactly what serde_json accepts (plus rejecting duplicate keys).
struct JSONParserTests {
    @Test func keepsKeyOrderAndNumberLexemes() throws {
        let value = try JSONParser.parse(#" {"b": [1, -2, 3.5e1, 18446744073709551615], "a": {"x": null, "y": true}} "#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a"])
        let numbers = try #require(object["b"]?.arrayValue).compactMap(\.numberValue)
        #expect(numbers.map(\.lexeme) == ["1", "-2", "3.5e1", "18446744073709551615"])
        #expect(numbers.map(\.uint64Value) == [1, nil, nil, UInt64.max])
        #expect(numbers[1].int64Value == -2)
        #expect(numbers[2].doubleValue == 35)
    }

    @Test func unsignedIntegersFollowSerde() throws {
        #expect(JSONNumber(lexeme: "18446744073709551616").uint64Value == nil)
        #expect(JSONNumber(lexeme: "-0").uint64Value == nil)
        #expect(JSONNumber(lexeme: "1.0").uint64Value == nil)
        #expect(JSONNumber(lexeme: "1e2").uint64Value == nil)
        #expect(JSONNumber(lexeme: "0").uint64Value == 0)
        #expect(JSONNumber(lexeme: "-9223372036854775808").int64Value == Int64.min)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#"["a\"\\\/\b\f\n\r\t", "\u00e9\ud83d\ude00", "é😀"]"#)
        let strings = try #require(value.arrayValue).compactMap(\.stringValue)
        #expect(strings == ["a\"\\/\u{8}\u{c}\n\r\t", "é😀", "é😀"])
    }

    @Test(arguments: [
        ("", "unexpectedEnd"), ("{", "unexpectedEnd"), ("{}x", "trailingCharacters"), ("[1,]", "unexpectedCharacter"),
        ("{\"a\":1,}", "unexpectedCharacter"), ("01", "invalidNumber"), ("1.", "unexpectedEnd"), ("-", "unexpectedEnd"),
        ("1e309", "numberOutOfRange"), ("\"\\x\"", "invalidEscape"), ("\"\\ud800\"", "loneSurrogate"),
        ("\"\\udc00\"", "loneSurrogate"), ("\"a\u{1}\"", "controlCharacterInString"), ("{\"a\":1,\"a\":2}", "duplicateKey"),
        ("tru", "unexpectedEnd"), ("nul1", "unexpectedCharacter"), ("{1:2}", "unexpectedCharacter"), ("\u{c}{}", "unexpectedCharacter"),
    ])
    func rejectsInvalidText(text: String, expected: String) {
        #expect {
            _ = try JSONParser.parse(text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return "\(error)".isEmpty == false && caseName(error) == expected
        }
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParseError.invalidUTF8(offset: 2)) { try JSONParser.parse([0x22, 0x61, 0xC0, 0x80, 0x22]) }
        #expect(throws: JSONParseError.invalidUTF8(offset: 1)) { try JSONParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }
        let deep127 = String(repeating: "[", count: 127) + String(repeating: "]", count: 127)
        #expect(throws: Never.self) { try JSONParser.parse(deep127) }
        let deep128 = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep128) }
    }

    @Test func writesCompactLikeSerdeAndIndentedLikePython() throws {
        let value = try JSONParser.parse(#"{"k\u0001":"é\n","n":[1,2],"e":{}}"#)
        #expect(value.serialized() == #"{"k\u0001":"é\n","n":[1,2],"e":{}}"#)
        #expect(
            value.serialized(.pythonIndented(2)) == "{\n  \"k\\u0001\": \"\\u00e9\\n\",\n  \"n\": [\n    1,\n    2\n  ],\n  \"e\": {}\n}")
    }
}

func caseName(_ error: JSONParseError) -> String {
    if error == .unexpectedEnd { return "unexpectedEnd" }
    return Mirror(reflecting: error).children.first?.label ?? "\(error)"
}
