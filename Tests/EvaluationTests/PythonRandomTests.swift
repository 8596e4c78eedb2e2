import Foundation
import Testing

@testable import Evaluation

/// Compares against sequences recorded from CPython 3.11 by scripts/oracles/eval_python_random.py.
struct PythonRandomTests {
    static let seeds: [[String: Any]] = {
        ((try? loadFixture("python_random.json"))?["seeds"] as? [[String: Any]]) ?? []
    }()

    static func generator(_ entry: [String: Any]) -> PythonRandom {
        PythonRandom(seedMagnitude: decimalToWords(entry["seed"] as? String ?? "").words)
    }

    @Test func fixtureCoversTheSeedsTheHarnessUses() {
        let seeds = Self.seeds.compactMap { $0["seed"] as? String }
        #expect(seeds.contains("1234"))
        #expect(seeds.contains("0"))
        #expect(seeds.contains("1180591620717411303424"))  // 2**70
        #expect(seeds.count == 9)
    }

    @Test(arguments: 0..<9) func randomFloats(seedIndex: Int) throws {
        let entry = Self.seeds[seedIndex]
        var rng = Self.generator(entry)
        let expected = try #require(entry["random"] as? [String])
        for text in expected { #expect(rng.random() == Double(text), "seed \(entry["seed"]!)") }
    }

    @Test(arguments: 0..<9) func getrandbitsAndRandbelow(seedIndex: Int) throws {
        let entry = Self.seeds[seedIndex]
        var rng = Self.generator(entry)
        for pair in try #require(entry["getrandbits"] as? [[Any]]) {
            let k = try #require(pair[0] as? Int)
            let expected = decimalToWords(try #require(pair[1] as? String)).words
            var got = rng.getrandbitsWords(k)
            while got.count > 1, got.last == 0 { got.removeLast() }
            #expect((got.isEmpty ? [0] : got) == expected, "k=\(k) seed \(entry["seed"]!)")
        }
        rng = Self.generator(entry)
        for pair in try #require(entry["randbelow"] as? [[Int]]) {
            #expect(rng.randbelow(pair[0]) == pair[1], "n=\(pair[0])")
        }
        rng = Self.generator(entry)
        for triple in try #require(entry["randint"] as? [[Int]]) {
            #expect(rng.randint(triple[0], triple[1]) == triple[2])
        }
        rng = Self.generator(entry)
        for (n, expected) in zip([1, 2, 9, 1000], try #require(entry["choice"] as? [Int])) {
            #expect(rng.choice(Array(0..<n)) == expected)
        }
    }

    @Test(arguments: 0..<9) func sampleThenShuffleOnOneGenerator(seedIndex: Int) throws {
        let entry = Self.seeds[seedIndex]
        var rng = Self.generator(entry)
        for call in try #require(entry["sample"] as? [[String: Any]]) {
            let n = try #require(call["n"] as? Int)
            let k = try #require(call["k"] as? Int)
            let expected = try #require(call["result"] as? [Int])
            #expect(rng.sampleIndices(populationCount: n, count: k) == expected, "n=\(n) k=\(k)")
        }
        for expected in try #require(entry["shuffle"] as? [[Int]]) {
            var values = Array(0..<expected.count)
            rng.shuffle(&values)
            #expect(values == expected)
        }
        #expect(rng.random() == Double(try #require(entry["after"] as? String)))
    }

    @Test func setSizeRuleMatchesCPython() {
        // 21 + 4 ** ceil(log(3k, 4)) for k > 5: k = 6 -> 85, k = 25 -> 277 (values printed by CPython 3.11).
        #expect(PythonRandom.sampleSetSize(5) == 21)
        #expect(PythonRandom.sampleSetSize(6) == 85)
        #expect(PythonRandom.sampleSetSize(25) == 277)
    }
}
