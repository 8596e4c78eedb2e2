import Foundation
import TestSupport
import Testing

@testable import Models

/// Time-bounded mutation fuzzing of the config.json readers (the long campaign is `scripts/fuzz
/// config`): every mutant is refused with the config's typed error or decodes to a validated config.
@Suite struct ConfigFuzzTests {
    @Test func mutatedConfigsAreRefusedOrValid() throws {
        let llama = [UInt8](try Data(contentsOf: SharedFiles.tests("CheckpointsTests/Fixtures/convert/hf_bin_sharded/config.json")))
        let megalodon = [UInt8](try JSONEncoder().encode(try MegalodonConfig.preset("mega200M")))
        var accepted = 0
        let rounds = MutationFuzzCampaign(defaultSeconds: 2, defaultSeed: 0x636F_6E66).run(corpus: [llama, megalodon]) { bytes in
            let data = Data(bytes)
            do {
                let config = try LlamaConfig.decode(data)
                #expect(config.numHeads > 0 && config.hiddenSize > 0)
                accepted += 1
            } catch is LlamaConfig.Failure {
            } catch {
                Issue.record("untyped Llama config error \(error)")
            }
            do {
                let config = try MegalodonConfig.decode(data)
                #expect(config.numLayers > 0)
                accepted += 1
            } catch is MegalodonConfig.Failure {
            } catch {
                Issue.record("untyped MEGALODON config error \(error)")
            }
        }
        #expect(rounds > 100)
        #expect(accepted > 0 && accepted < 2 * rounds)
    }
}
