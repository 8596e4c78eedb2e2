import Foundation
import TestSupport
import Testing

@testable import Checkpoints

struct AtomicOutputTests {
    struct Interrupted: Error {}

    func contents(_ directory: URL) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() }

    @Test func aThrownErrorLeavesNoFile() throws {
        let directory = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.bin").path
        #expect(throws: Interrupted.self) {
            try AtomicOutput.writeFile(at: path, overwrite: false) { file in
                try file.write([UInt8](repeating: 1, count: 3 << 20))
                #expect(try contents(directory).count == 1, "only the hidden temporary exists while writing")
                #expect(try contents(directory).first?.hasPrefix(".out.bin.partial-") == true)
                throw Interrupted()
            }
        }
        #expect(try contents(directory).isEmpty)
    }

    @Test func refusesToOverwriteWithoutTheFlag() throws {
        let directory = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.bin").path
        try AtomicOutput.writeFile(at: path, overwrite: false) { try $0.write([1, 2, 3]) }
        #expect(throws: AtomicOutputError.outputExists(path: path)) {
            try AtomicOutput.writeFile(at: path, overwrite: false) { try $0.write([4]) }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1, 2, 3]))
        try AtomicOutput.writeFile(at: path, overwrite: true) { try $0.write([4]) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([4]))
        #expect(try contents(directory) == ["out.bin"])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    @Test func multiFileOutputsAppearOnlyWhenAllPartsAreDone() throws {
        let directory = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = directory.appendingPathComponent("part-1").path
        let second = directory.appendingPathComponent("part-2").path
        #expect(throws: Interrupted.self) {
            try AtomicOutput.writing(overwrite: false) { output in
                try output.write(to: first) { try $0.write([1]) }
                #expect(!FileManager.default.fileExists(atPath: first))
                try output.write(to: second) { _ in throw Interrupted() }
            }
        }
        #expect(try contents(directory).isEmpty)
        try AtomicOutput.writing(overwrite: false) { output in
            try output.write(to: first) { try $0.write([1]) }
            try output.write(to: second) { try $0.write([2]) }
            #expect(!FileManager.default.fileExists(atPath: first))
        }
        #expect(try contents(directory) == ["part-1", "part-2"])
        // A clash on the second part at commit time leaves the first name free again.
        try FileManager.default.removeItem(atPath: first)
        #expect(throws: AtomicOutputError.outputExists(path: second)) {
            try AtomicOutput.writing(overwrite: false) { output in
                try output.write(to: first) { try $0.write([1]) }
                try output.write(to: second) { try $0.write([2]) }
            }
        }
        #expect(try contents(directory) == ["part-2"])
    }

    @Test func reportsAMissingFolder() {
        #expect(throws: AtomicOutputError.self) {
            try AtomicOutput.writeFile(at: "/nonexistent-folder/out.bin", overwrite: false) { try $0.write([1]) }
        }
    }
}
