import Testing

@testable import CommandSupport

/// The progress line's rate keeps its significant figures whatever the speed: a 7B evaluation's
/// 0.2 items a second and a tokenizer's 40,000 tokens a second both read as numbers.
struct ProgressRateTests {
    @Test func slowRatesKeepTheirDecimals() {
        #expect(ProgressReporter.Unit.items.formatRate(0.213) == "0.21")
        #expect(ProgressReporter.Unit.tokens.formatRate(28.94) == "28.9 tok")
        #expect(ProgressReporter.Unit.tokens.formatRate(41_234.6) == "41235 tok")
    }

    @Test func byteRatesUseBinaryUnits() {
        #expect(ProgressReporter.Unit.bytes.formatRate(3 * 1024 * 1024) == "3.00 MiB")
        #expect(ProgressReporter.Unit.bytes.formatRate(512) == "512 B")
    }
}
