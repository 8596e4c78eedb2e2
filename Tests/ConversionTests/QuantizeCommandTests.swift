import Foundation
import TestSupport
import Testing

/// The `megalodon-quantize` executable itself: what it writes, refuses and reports. Runs the binary
/// built beside the test bundle (`swift build --build-tests` builds it).
@Suite("megalodon-quantize command line", .requires(.builtTool("megalodon-quantize")))
struct QuantizeCommandTests {
    @Test("--dry-run lists decisions and writes nothing")
    func dryRun() throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out").path
        let result = try QuantizeModelFixtures.run([
            QuantizeModelFixtures.megalodonCheckpoint, "-o", output, "--scheme", "int4", "--dry-run",
        ])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("layers.0.mega.wv.weight") && result.output.contains("int4-g32-asym-f16"))
        #expect(result.output.contains("kept (norm, bias, CEMA"))
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("writes the model directory and a JSON report; an existing output is refused without --force")
    func writesAndRefusesOverwrite() throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let llama = try QuantizeModelFixtures.llamaFolder(in: folder)
        let output = folder.appendingPathComponent("q8").path, report = folder.appendingPathComponent("report.json").path
        let first = try QuantizeModelFixtures.run([llama, "-o", output, "--scheme", "q8_0", "--report", report])
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output.contains("15 of 21 tensors quantized"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
        let manifest = json?["manifest"] as? [String: Any]
        #expect(manifest?["tool"] as? String == "megalodon-quantize")
        #expect((manifest?["input_files"] as? [[String: Any]])?.map { $0["name"] as? String } == ["config.json", "model.safetensors"])
        #expect((json?["tensors"] as? [[String: Any]])?.count == 21)

        let before = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        let second = try QuantizeModelFixtures.run([llama, "-o", output, "--scheme", "q4_0"])
        #expect(second.status == 1 && second.error.hasPrefix("error: ") && second.error.contains("exists"), "\(second.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: output).sorted() == before)
        let forced = try QuantizeModelFixtures.run([llama, "-o", output, "--scheme", "q4_0", "--force", "--report", report])
        #expect(forced.status == 0, "\(forced.error)")
    }

    /// Separate processes (a Swift Dictionary's order differs from run to run): the crash campaign
    /// found config.json's quantization section written in a different key order each time.
    @Test("two runs write byte-identical outputs")
    func outputIsDeterministic() throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let llama = try QuantizeModelFixtures.llamaFolder(in: folder)
        var outputs: [[String: Data]] = []
        for run in 0..<3 {
            let output = folder.appendingPathComponent("q\(run)")
            let result = try QuantizeModelFixtures.run([llama, "-o", output.path, "--scheme", "int4", "--keep", "lm_head.weight"])
            #expect(result.status == 0, "\(result.error)")
            let names = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
            outputs.append(
                try Dictionary(uniqueKeysWithValues: names.map { ($0, try Data(contentsOf: output.appendingPathComponent($0))) }))
        }
        #expect(outputs[0].keys.contains("config.json"))
        #expect(outputs[1] == outputs[0] && outputs[2] == outputs[0])
    }

    @Test(
        "bad scheme, group size or GGUF scheme: a clear error, nothing written",
        arguments: [
            (["--scheme", "q5_k"], "q5_k matrices are read from GGUF files and computed with as stored, but cannot be produced here"),
            (["--scheme", "q5_x"], "unknown quantization scheme 'q5_x'"),
            (["--scheme", "int4", "--group-size", "48"], "--group-size must be 32, 64 or 128"),
            (["--scheme", "q4_0", "--group-size", "64"], "contradicts the scheme q4_0"),
            (["--scheme", "int4-g32", "--embeddings", "int8-row-sym"], ""),
        ])
    func badOptions(_ options: [String], _ message: String) throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let llama = try QuantizeModelFixtures.llamaFolder(in: folder)
        let output = folder.appendingPathComponent(message.isEmpty ? "out.gguf" : "out").path
        let result = try QuantizeModelFixtures.run([llama, "-o", output] + options)
        #expect(result.status != 0)
        #expect(result.error.contains(message.isEmpty ? "cannot be stored in GGUF" : message), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    static let smolLM2 = SharedFiles.cachedModel("SmolLM2-135M-Instruct.Q4_1.gguf")

    @Test(
        "--eval-text scores SmolLM2 and its int8 model directory (run on the quantized kernels) on the same tokens",
        .requires(.smolLM2))
    func evalText() throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = folder.appendingPathComponent("text.txt")
        let paragraph =
            "In the beginning God created the heaven and the earth. And the earth was without form, and void; and darkness was upon the face of the deep. And the Spirit of God moved upon the face of the waters. And God said, Let there be light: and there was light. "
        try Data(String(repeating: paragraph, count: 8).utf8).write(to: text)
        let output = folder.appendingPathComponent("int8").path, report = folder.appendingPathComponent("report.json").path
        let result = try QuantizeModelFixtures.run([
            Self.smolLM2, "-o", output, "--scheme", "int8", "--eval-text", text.path,
            "--eval-context", "128", "--eval-chunks", "2", "--report", report,
        ])
        #expect(result.status == 0, "\(result.error)")
        struct Report: Decodable {
            struct Perplexity: Decodable {
                let original: Double; let quantized: Double; let scored_tokens: Int; let relative_change: Double
            }
            let perplexity: Perplexity
        }
        let perplexity = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: report))).perplexity
        #expect(perplexity.scored_tokens == 2 * (128 / 2 - 1))
        // A repeated paragraph is easy to predict; int8 weights move perplexity by well under 2 %.
        #expect(perplexity.original > 1 && perplexity.original < 20)
        #expect(abs(perplexity.relative_change) < 0.02 && perplexity.quantized != perplexity.original, "\(perplexity)")
        #expect(result.output.contains("perplexity on text.txt (2 chunks of 128 tokens"))
    }
}
