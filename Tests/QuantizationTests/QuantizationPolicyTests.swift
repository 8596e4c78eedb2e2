import Foundation
import TestSupport
import Testing

@testable import Quantization

/// The policy maps the roles the architectures declare (their tests: ModelsTests'
/// QuantizationRoleTests) and the user's patterns to decisions.
struct QuantizationPolicyTests {
    @Test func rolesDecideWhatIsQuantized() {
        let policy = QuantizationPolicy(scheme: .q8_0)
        #expect(policy.decide(name: "a.weight", shape: [64, 64], role: .linearWeight) == .quantize(.q8_0))
        #expect(policy.decide(name: "head.weight", shape: [64, 64], role: .outputHead) == .quantize(.q8_0))
        #expect(policy.decide(name: "table.weight", shape: [64, 64], role: .embedding) == .keep(.embeddingKept))
        // Always-float parameters stay float whatever their shape; other matrices must be 2-D.
        #expect(policy.decide(name: "x.gamma", shape: [2, 1024], role: .alwaysFloat) == .keep(.alwaysFloat))
        #expect(policy.decide(name: "a.weight", shape: [64], role: .linearWeight) == .keep(.notAMatrix))
        #expect(policy.decide(name: "a.weight", shape: [2, 4, 64], role: .linearWeight) == .keep(.notAMatrix))
        #expect(policy.decide(name: "a.weight", shape: [0, 64], role: .linearWeight) == .keep(.empty))
    }

    @Test func embeddingsFollowTheirOwnScheme() throws {
        let policy = QuantizationPolicy(scheme: .q4_0, embeddings: .q8_0)
        #expect(policy.decide(name: "embed.weight", shape: [32000, 4096], role: .embedding) == .quantize(.q8_0))
        #expect(policy.decide(name: "lm_head.weight", shape: [49152, 576], role: .outputHead) == .quantize(.q4_0))
    }

    @Test func keepAndOnlyPatterns() throws {
        let policy = QuantizationPolicy(
            scheme: .q4_1, keep: [try NamePattern("layers.0.*")],
            only: [try NamePattern("*.mega.w?.weight"), try NamePattern("*.nffn.fc[13].weight")])
        func decide(_ name: String, _ shape: [Int]) -> QuantizationPolicy.Decision {
            policy.decide(name: name, shape: shape, role: .linearWeight)
        }
        #expect(decide("layers.0.mega.wv.weight", [64, 64]) == .keep(.keptByPattern))
        #expect(decide("layers.1.mega.wv.weight", [64, 64]) == .quantize(.q4_1))
        #expect(decide("layers.1.mega.wh1.weight", [64, 64]) == .keep(.notSelected))
        #expect(decide("layers.1.nffn.fc3.weight", [64, 64]) == .quantize(.q4_1))
        #expect(decide("layers.1.nffn.fc2.weight", [64, 64]) == .keep(.notSelected))
        #expect(decide("layers.1.mega.wv.weight", [64, 40]) == .keep(.rowsNotWholeBlocks))
    }

    @Test func globSyntax() throws {
        #expect(try NamePattern("*").matches("anything.at.all"))
        #expect(try NamePattern("a*b*c").matches("a.x.b.y.c"))
        #expect(try !NamePattern("a*b*c").matches("a.x.b.y.cd"))
        #expect(try NamePattern("layers.?.x").matches("layers.7.x"))
        #expect(try !NamePattern("layers.?.x").matches("layers.17.x"))
        #expect(try NamePattern("[!0-4]").matches("7"))
        #expect(try !NamePattern("[!0-4]").matches("3"))
        #expect(try NamePattern("**.weight").matches(".weight"))
        #expect(throws: QuantizationError.invalidPattern("layers.[0")) { try NamePattern("layers.[0") }
        #expect(throws: QuantizationError.invalidPattern("[9-0]")) { try NamePattern("[9-0]") }
    }
}
