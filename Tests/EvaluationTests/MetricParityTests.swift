import Foundation
import Testing

@testable import Evaluation

/// Metric values against lm-eval 0.4.13, rouge_score 0.1.2 and the SCROLLS metric logic, recorded by
/// scripts/oracles/eval_reference.py on chosen prediction/reference pairs.
struct MetricParityTests {
    static let fixture: [String: Any] = (try? loadFixture("eval_metrics.json")) ?? [:]

    static func rows(_ key: String) throws -> [[String: Any]] { try #require(fixture[key] as? [[String: Any]]) }

    @Test func exactMatchWithEachOption() throws {
        let rows = try Self.rows("exact_match")
        #expect(rows.count == 19)
        for row in rows {
            let prediction = try #require(row["prediction"] as? String)
            let reference = try #require(row["reference"] as? String)
            for ignoreCase in [false, true] {
                for ignorePunctuation in [false, true] {
                    let key = "case\(ignoreCase ? 1 : 0)_punct\(ignorePunctuation ? 1 : 0)"
                    let got = ExactMatch.anyMatch(
                        prediction: prediction, references: [reference],
                        ignoreCase: ignoreCase, ignorePunctuation: ignorePunctuation)
                    #expect(got == (row[key] as? Double), "\(prediction) vs \(reference) \(key)")
                }
            }
        }
    }

    @Test func triviaQAAnyAliasIncludingNumpyWidthCut() throws {
        for row in try Self.rows("exact_match_any_alias") {
            let prediction = try #require(row["prediction"] as? String)
            let aliases = try #require(row["aliases"] as? [String])
            let got = ExactMatch.anyMatch(prediction: prediction, references: aliases, ignoreCase: true, ignorePunctuation: true)
            #expect(got == (row["score"] as? Double), "\(prediction) vs \(aliases)")
        }
    }

    @Test func removeWhitespaceIsPythonStrip() throws {
        for row in try Self.rows("remove_whitespace") {
            #expect(ExactMatch.removeWhitespace(try #require(row["input"] as? String)) == (row["output"] as? String))
        }
    }

    @Test func squadNormalization() throws {
        let rows = try Self.rows("squad_normalize")
        #expect(rows.count == 38)
        for row in rows {
            let input = try #require(row["input"] as? String)
            #expect(SQuADNormalization.normalize(input) == (row["normalized"] as? String), "\(input.debugDescription)")
        }
    }

    @Test func tokenF1AndExactMatch() throws {
        for row in try Self.rows("f1") {
            let prediction = try #require(row["prediction"] as? String)
            let reference = try #require(row["reference"] as? String)
            #expect(TokenF1.f1(prediction: prediction, reference: reference) == exactDouble(row["f1"]), "\(prediction) / \(reference)")
            #expect(TokenF1.exactMatch(prediction: prediction, reference: reference) == (row["em"] as? Double))
        }
    }

    @Test func rougeScoresPerPair() throws {
        for row in try Self.rows("rouge") {
            let prediction = try #require(row["prediction"] as? String)
            let references = try #require(row["references"] as? [String])
            let expected = try #require(row["scores"] as? [[String: [Double]]])
            #expect(Rouge.tokenize(prediction) == (row["prediction_tokens"] as? [String]))
            for (reference, scores) in zip(references, expected) {
                let got = Rouge.score(prediction: prediction, reference: reference)
                for (name, score) in [("rouge1", got.rouge1), ("rouge2", got.rouge2), ("rougeL", got.rougeL)] {
                    let want = try #require(scores[name])
                    #expect(
                        abs(score.precision - want[0]) <= 1e-9 && abs(score.recall - want[1]) <= 1e-9
                            && abs(score.fmeasure - want[2]) <= 1e-9, "\(name) \(prediction) / \(reference)")
                }
            }
        }
    }

    @Test func scrollsAggregates() throws {
        let scrolls = try #require(Self.fixture["scrolls"] as? [String: [String: Any]])
        let golden = (
            ["exact match example", "hello there", "general kenobi"],
            [["exact match example"], ["hello", "hi there"], ["commander kenobi"]]
        )
        let f1Pairs = try Self.rows("f1").map { ($0["prediction"] as? String ?? "", [$0["reference"] as? String ?? ""]) }
        let rougePairs = try Self.rows("rouge").map { ($0["prediction"] as? String ?? "", $0["references"] as? [String] ?? []) }
        let cases: [(String, ([String], [[String]]), ([String], [[String]]))] = [
            ("golden", golden, golden),
            ("pairs", (rougePairs.map(\.0), rougePairs.map(\.1)), (f1Pairs.map(\.0), f1Pairs.map(\.1))),
        ]
        for (name, rougeInput, f1Input) in cases {
            let expected = try #require(scrolls[name])
            let rouge = try ScrollsMetric.compute(.rouge, predictions: rougeInput.0, references: rougeInput.1)
            let expectedRouge = try #require(expected["rouge"] as? [String: String])
            for (key, value) in expectedRouge { #expect(rouge.values["rouge/\(key)"] == Double(value), "\(name) \(key)") }
            let f1 = try ScrollsMetric.compute(.f1, predictions: f1Input.0, references: f1Input.1)
            #expect(f1.score == exactDouble(expected["f1"]), "\(name) f1")
            let em = try ScrollsMetric.compute(.exactMatch, predictions: f1Input.0, references: f1Input.1)
            #expect(em.score == exactDouble(expected["exact_match"]), "\(name) em")
        }
        // The scrolls.py docstring's golden vector, as a cross-check of the fixture itself.
        #expect(exactDouble((scrolls["golden"]?["rouge"] as? [String: Any])?["geometric_mean"]) == 55.8136)
    }

    @Test func meanAndStandardError() throws {
        let mean = try #require(Self.fixture["mean"] as? [String: Any])
        let values = try #require(mean["values"] as? [Double])
        #expect(Aggregation.mean(values) == exactDouble(mean["mean"]))
        #expect(Aggregation.meanStandardError(values) == exactDouble(mean["stderr"]))
    }

    @Test func rollingPerplexities() throws {
        let rolling = try #require(Self.fixture["rolling"] as? [String: Any])
        let texts = try #require(rolling["docs"] as? [String])
        let lls = try #require(rolling["loglikelihoods"] as? [Double])
        let documents = zip(texts, lls).map { Perplexity.document(text: $0, logLikelihood: $1) }
        #expect(documents.map(\.words) == (rolling["words"] as? [Int]))
        #expect(documents.map(\.bytes) == (rolling["bytes"] as? [Int]))
        #expect(Perplexity.wordPerplexity(documents) == exactDouble(rolling["word_perplexity"]))
        #expect(Perplexity.bytePerplexity(documents) == exactDouble(rolling["byte_perplexity"]))
        #expect(Perplexity.bitsPerByte(documents) == exactDouble(rolling["bits_per_byte"]))
    }

    @Test func accNormUsesCodePointsAndLowestIndexOnTies() {
        // "é" written as e + U+0301 is one Character but two code points, as Python's len counts.
        let outcome = MultipleChoiceScoring.score(logLikelihoods: [-4, -4.0001], choices: ["ab", "e\u{301}"], gold: 0)
        #expect(outcome == .init(acc: 1, accNorm: 1))
        #expect(MultipleChoiceScoring.argmax([-1, -1, -2]) == 0)
        #expect(MultipleChoiceScoring.score(logLikelihoods: [-6, -5], choices: ["aaa", "bb"], gold: 0) == .init(acc: 0, accNorm: 1))
    }

    @Test func triviaQAScoringUsesTheTaskOptionsAndStrip() throws {
        let definition = try PromptParityTests.definition("triviaqa")
        let options = try #require(definition.exactMatch)
        #expect(ExactMatch.scoreGeneration("  ONION!\t", references: ["Bulb onion", "onion"], options: options) == 1)
        #expect(ExactMatch.scoreGeneration(" the onion", references: ["onion"], options: options) == 0)
        #expect(ExactMatch.llamaAnyMatch(prediction: " the Onion.", aliases: ["Onion"]) == 1)
    }

    @Test func generationCutAtStopStrings() {
        #expect(GenerationHandling.cut(" Paris, France.\nNext", at: ["\n", ".", ","]) == " Paris")
        #expect(ExactMatch.removeWhitespace(GenerationHandling.cut("  The Beatles\n", at: ["\n"])) == "The Beatles")
    }
}
