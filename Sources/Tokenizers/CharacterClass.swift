/// The Unicode classes the pre-tokenizer patterns test (`\p{L}`, `\p{N}`, `\s`), per code point.
struct CharacterClass: OptionSet {
    let rawValue: UInt8
    static let letter = CharacterClass(rawValue: 1)
    static let number = CharacterClass(rawValue: 2)
    static let whitespace = CharacterClass(rawValue: 4)

    /// llama.cpp's whitespace set (`unicode_set_whitespace`), i.e. Unicode White_Space.
    private static let whitespaceScalars: Set<UInt32> = [
        0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
        0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    ]

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(_ scalar: Unicode.Scalar) {
        var value: CharacterClass = []
        if scalar.value < 0x80 {
            let byte = UInt8(scalar.value)
            if (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) { value.insert(.letter) }
            if (0x30...0x39).contains(byte) { value.insert(.number) }
        } else {
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: value.insert(.letter)
            case .decimalNumber, .letterNumber, .otherNumber: value.insert(.number)
            default: break
            }
        }
        if CharacterClass.whitespaceScalars.contains(scalar.value) { value.insert(.whitespace) }
        self = value
    }

    var isLetter: Bool { contains(.letter) }
    var isNumber: Bool { contains(.number) }
    var isWhitespace: Bool { contains(.whitespace) }
}
