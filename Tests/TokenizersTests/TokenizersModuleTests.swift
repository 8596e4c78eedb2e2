import Testing
import TestSupport
@testable import Tokenizers

// Placeholder until the issue that builds Tokenizers adds real tests: checks only that the module links.
