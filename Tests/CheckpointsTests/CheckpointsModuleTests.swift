import Testing
import TestSupport
@testable import Checkpoints

// Placeholder until the issue that builds Checkpoints adds real tests: checks only that the module links.
