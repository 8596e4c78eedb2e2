import ArgumentParser
import Foundation

/// A failure the tool reports as `error: <message>` with a non-zero exit, without a usage dump.
public struct ToolFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

extension ParsableCommand {
    /// Runs `body`, turning any library error into `error: <what>` on stderr and exit status 1.
    /// Library errors already name the file and tensor they concern.
    public func reportingErrors(_ body: () throws -> Void) throws {
        do { try body() } catch let error as ValidationError {
            throw error
        } catch let error as CleanExit {
            throw error
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
