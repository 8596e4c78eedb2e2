import ArgumentParser
import CommandSupport
import Foundation
import Models

@main
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon-generate",
        abstract: "Continue a prompt of token ids with a MEGALODON model directory.",
        discussion: "The prompt is consumed in one streaming call (processed chunk by chunk, so memory stays bounded by the model's chunk size), then one token is generated per call. Decoding is greedy unless --temperature is above 0; --top-k and --top-p then restrict the candidates and --seed makes the draw repeatable. Generated ids go to standard output, comma-separated; timings go to standard error. Text prompts arrive with the tokenizers. Example: megalodon-generate --model ./mega200M --token-ids 1,450,4996 --max-new-tokens 20")

    @Option(help: ArgumentHelp("Model directory holding config.json and model.safetensors.", valueName: "dir"))
    var model: String

    @Option(help: ArgumentHelp("Prompt as comma-separated token ids (e.g. 1,450,4996; id 1 is BOS for the Llama-2 tokenizer).", valueName: "ids"))
    var tokenIds: String

    @Option(help: "Number of tokens to generate after the prompt.")
    var maxNewTokens = 32

    @Option(help: ArgumentHelp("Softmax temperature; 0 picks the most likely token every time.", valueName: "t"))
    var temperature: Float = 0

    @Option(help: ArgumentHelp("Sample only among the k most likely tokens (needs --temperature above 0).", valueName: "k"))
    var topK: Int?

    @Option(help: ArgumentHelp("Sample only among the most likely tokens whose probabilities add up to p (needs --temperature above 0).", valueName: "p"))
    var topP: Float?

    @Option(help: "Seed of the sampler.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Write the prompt's logits here as safetensors (tensor `logits`, [prompt positions, vocabulary], F32).", valueName: "file"))
    var logitsOut: String?

    @Flag(help: "Replace an existing --logits-out file.")
    var force = false

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        _ = try promptTokens()
        guard maxNewTokens >= 0 else { throw ValidationError("--max-new-tokens must be 0 or more") }
        guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be 0 or a positive number") }
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
        if let topP, !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1]") }
        if (topK != nil || topP != nil) && temperature == 0 {
            throw ValidationError("--top-k and --top-p only apply when sampling; set --temperature above 0")
        }
        if let logitsOut, !force, FileManager.default.fileExists(atPath: logitsOut) {
            throw ValidationError("\(logitsOut) exists; pass --force to replace it")
        }
    }

    func promptTokens() throws -> [Int] {
        let parts = tokenIds.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let tokens = parts.compactMap { Int($0) }
        guard !parts.isEmpty, tokens.count == parts.count, tokens.allSatisfy({ $0 >= 0 }) else {
            throw ValidationError("--token-ids must be non-negative integers separated by commas, got \"\(tokenIds)\"")
        }
        return tokens
    }

    func run() throws {
        try reportingErrors {
            compute.apply()
            let loadStart = Date()
            let engine = try MegalodonModel(directory: URL(fileURLWithPath: model))
            let prompt = try promptTokens()
            printStatus(String(format: "loaded %@ in %.2f s", model, Date().timeIntervalSince(loadStart)))

            var state = engine.makeState()
            var sampler = TokenSampler(options: SamplingOptions(temperature: temperature, topK: topK, topP: topP), seed: seed)
            let prefillStart = Date()
            let promptLogits = try engine.forward(prompt, state: &state, positions: logitsOut == nil ? .last : .all)
            let prefillSeconds = Date().timeIntervalSince(prefillStart)
            printStatus(String(format: "prompt: %d tokens in %.3f s (%.1f tok/s)", prompt.count, prefillSeconds, Double(prompt.count) / prefillSeconds))
            if let logitsOut { try LogitsFile.write(promptLogits, to: logitsOut, replacing: force) }

            var generated: [Int] = []
            var next = sampler.next(from: promptLogits.row(promptLogits.rowCount - 1))
            let decodeStart = Date()
            while generated.count < maxNewTokens {
                generated.append(next)
                print(next, terminator: generated.count == maxNewTokens ? "\n" : ",")
                fflush(stdout)
                if generated.count == maxNewTokens { break }
                let logits = try engine.forward([next], state: &state, positions: .last)
                next = sampler.next(from: logits.row(0))
            }
            if maxNewTokens > 0 {
                let seconds = Date().timeIntervalSince(decodeStart)
                printStatus(String(format: "generated %d tokens in %.3f s (%.2f tok/s)", generated.count, seconds, Double(generated.count) / seconds))
            }
        }
    }

    private func printStatus(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
