import Foundation

/// Reads a SentencePiece `tokenizer.model` (a `ModelProto`) into a `SentencePieceTokenizer`.
///
/// Fields used: `pieces` (piece, score, type), `trainer_spec.model_type` (only BPE, the kind
/// Llama-family models ship), `unk_id`/`bos_id`/`eos_id`, `byte_fallback`, and
/// `normalizer_spec.add_dummy_prefix`, `remove_extra_whitespaces`, `escape_whitespaces`.
/// Not applied: the normalizer's character map (`precompiled_charsmap`, e.g. NFKC); models whose
/// normalizer is not the identity (`name` other than "identity") are read but encode without it.
public enum SentencePieceModelFile {
    /// The most pieces a model may hold. Real vocabularies stay at or below ~262k pieces (Gemma's
    /// 262,144); 2^22 leaves them 16 × that room. Each piece costs 70-175 bytes of tables however
    /// short it is (measured: 14-25 × its 5-7 bytes in the file, user-defined pieces the most, as the
    /// special-token splitter indexes them), so without a cap the tables grow with the file; the cap
    /// bounds them at about 730 MB whatever the file.
    public static let maximumPieceCount = 1 << 22

    public static func load(path: String) throws -> SentencePieceTokenizer {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TokenizerError.malformedFile(source: path, reason: "cannot read: \(error.localizedDescription)")
        }
        do {
            return try parse(Array(data), source: path)
        } catch let failure as ProtobufReader.Failure {
            throw TokenizerError.malformedFile(source: path, reason: "not a SentencePiece model (\(failure))")
        }
    }

    static func parse(_ bytes: [UInt8], source: String, maximumPieces: Int = maximumPieceCount) throws -> SentencePieceTokenizer {
        let pieceCount = try countPieces(bytes, source: source, maximum: maximumPieces)
        var tokens: [[UInt8]] = [], scores: [Float] = [], kinds: [TokenKind] = []
        // Exact sizes: doubling arrays would keep up to twice the slots the pieces need.
        tokens.reserveCapacity(pieceCount)
        scores.reserveCapacity(pieceCount)
        kinds.reserveCapacity(pieceCount)
        var modelType: UInt64 = 1  // UNIGRAM, the proto default
        var unknown: Int64 = 0, bos: Int64 = 1, eos: Int64 = 2
        var options = SentencePieceTokenizer.Options()
        options.removeExtraWhitespaces = true  // proto default
        options.prefixAfterSpecialTokens = false  // as the SentencePiece library encodes
        var model = ProtobufReader(bytes[...])
        while let (field, value) = try model.next() {
            guard case let .bytes(message) = value else { continue }
            switch field {
            case 1:
                var piece: [UInt8] = [], score: Float = 0, kind = TokenKind.normal
                var reader = ProtobufReader(message)
                while let (pieceField, pieceValue) = try reader.next() {
                    switch (pieceField, pieceValue) {
                    case let (1, .bytes(text)): piece = Array(text)
                    case let (2, .fixed32(bits)): score = Float(bitPattern: bits)
                    case let (3, .varint(raw)): kind = TokenKind(rawValue: Int32(truncatingIfNeeded: raw)) ?? .undefined
                    default: break
                    }
                }
                tokens.append(piece); scores.append(score); kinds.append(kind)
            case 2:
                var reader = ProtobufReader(message)
                while let (specField, specValue) = try reader.next() {
                    guard case let .varint(raw) = specValue else { continue }
                    switch specField {
                    case 3: modelType = raw
                    case 40: unknown = Int64(Int32(truncatingIfNeeded: raw))
                    case 41: bos = Int64(Int32(truncatingIfNeeded: raw))
                    case 42: eos = Int64(Int32(truncatingIfNeeded: raw))
                    default: break
                    }
                }
            case 3:
                var reader = ProtobufReader(message)
                while let (specField, specValue) = try reader.next() {
                    guard case let .varint(raw) = specValue else { continue }
                    switch specField {
                    case 3: options.addDummyPrefix = raw != 0
                    case 4: options.removeExtraWhitespaces = raw != 0
                    case 5: options.escapeWhitespaces = raw != 0
                    default: break
                    }
                }
            default: break
            }
        }
        guard !tokens.isEmpty else { throw TokenizerError.missingField(source: source, field: "pieces") }
        guard modelType == 2 else {
            let names: [UInt64: String] = [1: "unigram", 3: "word", 4: "char"]
            throw TokenizerError.unsupportedModel(source: source, model: "SentencePiece \(names[modelType] ?? "type \(modelType)")")
        }
        let id = { (value: Int64) -> Int32? in value >= 0 && value < Int64(tokens.count) ? Int32(value) : nil }
        return SentencePieceTokenizer(
            vocabulary: Vocabulary(tokens: tokens, scores: scores, kinds: kinds),
            bos: id(bos), eos: id(eos), unknown: id(unknown), options: options)
    }

    /// The pieces (top-level field 1) a model holds, counted without building any, so that a file
    /// of too many is refused before its tables exist. A malformed message ends the count: the
    /// full reading reports it where it meets it, as it did before this count existed.
    static func countPieces(_ bytes: [UInt8], source: String, maximum: Int) throws -> Int {
        var count = 0
        var model = ProtobufReader(bytes[...])
        while let (field, value) = try? model.next() {
            guard field == 1, case .bytes = value else { continue }
            count += 1
            guard count <= maximum else { throw TokenizerError.tooManyPieces(source: source, maximum: maximum) }
        }
        return count
    }
}
