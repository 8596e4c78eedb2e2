import Testing

@testable import Evaluation

/// The toy tokenizer the oracle gave lm-eval's TemplateLM: pieces ` ?[^\s]+|\s`, id = Σ (i+1)·codepoint
/// mod 1000003 + 3, BOS 1 when special tokens are on.
struct ToyTokenizer: EvaluationTokenizer {
    var prefixTokenID: Int { 1 }

    func encode(_ text: String, addSpecialTokens: Bool) throws -> [Int] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [[Unicode.Scalar]] = []
        var index = 0
        while index < scalars.count {
            let start = index
            if scalars[index] == " ", index + 1 < scalars.count, !PythonText.isSpace(scalars[index + 1]) { index += 1 }
            if !PythonText.isSpace(scalars[index]) {
                while index < scalars.count, !PythonText.isSpace(scalars[index]) { index += 1 }
            } else {
                index += 1
            }
            pieces.append(Array(scalars[start..<index]))
        }
        let ids = pieces.map { piece in
            piece.enumerated().reduce(0) { ($0 + ($1.offset + 1) * Int($1.element.value)) } % 1_000_003 + 3
        }
        return (addSpecialTokens ? [1] : []) + ids
    }
}

struct RequestEncodingTests {
    @Test func encodedPairsMatchTemplateLM() throws {
        let fixture = try loadFixture("lm_eval_encoding.json")
        let pairs = try #require(fixture["pairs"] as? [[String: Any]])
        #expect(pairs.count >= 14)
        for pair in pairs {
            let request = LoglikelihoodRequest(
                context: try #require(pair["context"] as? String),
                continuation: try #require(pair["continuation"] as? String))
            let encoded = try EncodedPair.encode(request, with: ToyTokenizer())
            #expect(encoded.context == (pair["context_enc"] as? [Int]), "\(request)")
            #expect(encoded.continuation == (pair["continuation_enc"] as? [Int]), "\(request)")
        }
    }

    @Test func rollingWindowsMatchLmEval() throws {
        let fixture = try loadFixture("lm_eval_rolling.json")
        let cases = try #require(fixture["cases"] as? [[String: Any]])
        for entry in cases {
            let length = try #require(entry["length"] as? Int)
            let maxLength = try #require(entry["max_seq_len"] as? Int)
            let expected = try #require(entry["windows"] as? [[[Int]]])
            let windows = try RollingWindows.windows(tokens: Array(10..<(10 + length)), prefixToken: 1, maxLength: maxLength)
            #expect(windows.map { [$0.context, $0.predicted] } == expected, "length \(length) max \(maxLength)")
        }
    }
}

struct GenerationHandlingTests {
    static let generation: [String: Any] = ((try? loadFixture("lm_eval_rolling.json"))?["generation"] as? [String: Any]) ?? [:]

    @Test func stopSequencesAndCutsMatchLmEval() throws {
        let stops = try #require(Self.generation["stop_sequences"] as? [[String: Any]])
        for entry in stops {
            let until: [String]
            if let list = entry["until"] as? [String] {
                until = list
            } else if let one = entry["until"] as? String {
                until = [one]
            } else {
                until = []
            }
            #expect(GenerationHandling.stopSequences(until: until, eos: entry["eos"] as? String) == (entry["result"] as? [String]))
        }
        for entry in try #require(Self.generation["cuts"] as? [[String: Any]]) {
            let text = try #require(entry["generation"] as? String)
            #expect(GenerationHandling.cut(text, at: try #require(entry["stops"] as? [String])) == (entry["result"] as? String))
        }
    }

    @Test func truncationMatchesTheHFBackendSlices() throws {
        for entry in try #require(Self.generation["truncation"] as? [[String: Any]]) {
            let pair = EncodedPair(
                context: try #require(entry["context"] as? [Int]), continuation: try #require(entry["continuation"] as? [Int]))
            let maxLength = try #require(entry["max_length"] as? Int)
            let maxGen = try #require(entry["max_gen_toks"] as? Int)
            #expect(GenerationHandling.loglikelihoodInput(pair, maxLength: maxLength) == (entry["loglikelihood_input"] as? [Int]))
            if let expected = entry["generation_context"] as? [Int] {
                #expect(
                    try GenerationHandling.generationContext(pair.context, maxLength: maxLength, maxGenerationTokens: maxGen) == expected)
            } else {
                #expect(throws: GenerationHandling.TruncationError.self) {
                    try GenerationHandling.generationContext(pair.context, maxLength: maxLength, maxGenerationTokens: maxGen)
                }
            }
        }
    }
}
