import ArgumentParser
import CommandSupport
import Foundation
import Models
import Tokenizers

@main
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon-generate",
        abstract: "Continue a prompt with a MEGALODON or Llama model.",
        discussion:
            "--model takes a model directory (config.json naming the architecture, safetensors weights, float or quantized, and optionally tokenizer.model or tokenizer.json) or a Llama GGUF file (which carries its tokenizer). Quantized weights (quantized model directories, GGUF Q8_0/Q4_0/Q4_1/Q5_0/Q5_1, the k-quants Q2_K/Q3_K/Q4_K/Q5_K/Q6_K and IQ4_NL) run on the integer kernels as stored, with no float copy; pass --quantized-arithmetic float to multiply them in float instead (the dequantized reference, slower to decode). With --prompt the text is tokenized with the model's tokenizer (a BOS token is added when the tokenizer asks for one; control-token text such as <|im_start|> becomes the control token unless --no-parse-special), the continuation is streamed to standard output as text, and generation stops early at the end-of-sequence token. With --token-ids the prompt is given as ids and the generated ids are printed, comma-separated. The prompt is consumed in one streaming call, then one token is generated per call. Decoding is greedy unless --temperature is above 0; --top-k and --top-p then restrict the candidates and --seed makes the draw repeatable. Timings go to standard error. Examples: megalodon-generate --model SmolLM2-135M-Instruct.Q4_1.gguf --prompt 'The capital of France is' --max-new-tokens 20; megalodon-generate --model ./mega200M --token-ids 1,450,4996"
    )

    @Option(help: ArgumentHelp("Model directory (config.json + model.safetensors) or a Llama GGUF file.", valueName: "path"))
    var model: String

    @Option(help: ArgumentHelp("Prompt text, tokenized with the model's tokenizer.", valueName: "text"))
    var prompt: String?

    @Option(
        help: ArgumentHelp(
            "Prompt as comma-separated token ids (e.g. 1,450,4996; id 1 is BOS for the Llama-2 tokenizer).", valueName: "ids"))
    var tokenIds: String?

    @Flag(inversion: .prefixedNo, help: "Turn control-token text in --prompt (e.g. <|im_start|>) into control tokens.")
    var parseSpecial = true

    @Flag(help: "Keep generating after the end-of-sequence token.")
    var ignoreEOS = false

    @Option(help: "Number of tokens to generate after the prompt.")
    var maxNewTokens = 32

    @Option(help: ArgumentHelp("Softmax temperature; 0 picks the most likely token every time.", valueName: "t"))
    var temperature: Float = 0

    @Option(help: ArgumentHelp("Sample only among the k most likely tokens (needs --temperature above 0).", valueName: "k"))
    var topK: Int?

    @Option(
        help: ArgumentHelp(
            "Sample only among the most likely tokens whose probabilities add up to p (needs --temperature above 0).", valueName: "p"))
    var topP: Float?

    @Option(help: "Seed of the sampler.")
    var seed: UInt64 = 0

    @Option(
        help: ArgumentHelp(
            "Write the prompt's logits here as safetensors (tensor `logits`, [prompt positions, vocabulary], F32).", valueName: "file"))
    var logitsOut: String?

    @Flag(help: "Replace an existing --logits-out file.")
    var force = false

    @OptionGroup var compute: ComputeOptions
    @OptionGroup var cache: KeyValueCacheOptions

    func validate() throws {
        guard (prompt == nil) != (tokenIds == nil) else { throw ValidationError("give exactly one of --prompt and --token-ids") }
        if tokenIds != nil { _ = try promptIDs() }
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

    func promptIDs() throws -> [Int] {
        let text = tokenIds ?? ""
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let tokens = parts.compactMap { Int($0) }
        guard !parts.isEmpty, tokens.count == parts.count, tokens.allSatisfy({ $0 >= 0 }) else {
            throw ValidationError("--token-ids must be non-negative integers separated by commas, got \"\(text)\"")
        }
        return tokens
    }

    func run() throws {
        try reportingErrors {
            compute.apply()
            let loadStart = Date()
            let bundle = try ModelBundle.open(model, arithmetic: compute.arithmetic, keyValueCache: cache.precision)
            printStatus(String(format: "loaded %@ (%@) in %.2f s", model, bundle.architecture, Date().timeIntervalSince(loadStart)))
            var output: GeneratedOutput
            let tokens: [Int]
            if let prompt {
                guard let tokenizer = bundle.tokenizer else {
                    throw ToolFailure("\(model) carries no tokenizer (tokenizer.model or tokenizer.json); pass --token-ids instead")
                }
                let ids = tokenizer.encode(prompt, addBOS: tokenizer.addsBOSByDefault, parseSpecial: parseSpecial)
                tokens = ids.map(Int.init)
                output = .text(
                    StreamingDetokenizer(tokenizer: tokenizer, context: ids),
                    endOfSequence: ignoreEOS ? nil : tokenizer.eosTokenID.map(Int.init))
            } else {
                tokens = try promptIDs()
                output = .ids(count: 0)
            }
            guard !tokens.isEmpty else { throw ToolFailure("the prompt is empty after tokenization") }
            try generate(with: bundle.model, prompt: tokens, output: &output)
        }
    }

    /// The library's generation loop, each token handed to `output`; timings to standard error.
    private func generate<Model: LanguageModel>(with engine: Model, prompt: [Int], output: inout GeneratedOutput) throws {
        var sampler = TokenSampler(options: SamplingOptions(temperature: temperature, topK: topK, topP: topP), seed: seed)
        let timings = try TokenGeneration.run(
            engine, prompt: prompt, maxNewTokens: maxNewTokens, sampler: &sampler,
            promptLogits: logitsOut == nil ? .last : .all,
            onPromptLogits: { logits in
                if let logitsOut { try LogitsFile.write(logits, to: logitsOut, replacing: force) }
            }, emit: { output.emit($0) })
        output.finish()
        printStatus(
            String(
                format: "prompt: %d tokens in %.3f s (%.1f tok/s)", prompt.count, timings.prefillSeconds,
                Double(prompt.count) / timings.prefillSeconds))
        if timings.generatedTokens > 0 {
            printStatus(
                String(
                    format: "generated %d tokens in %.3f s (%.2f tok/s)", timings.generatedTokens, timings.decodeSeconds,
                    Double(timings.generatedTokens) / timings.decodeSeconds))
        }
    }

    private func printStatus(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
