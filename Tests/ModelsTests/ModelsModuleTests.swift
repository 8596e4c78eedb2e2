import Testing
import TestSupport
@testable import Models

// Placeholder until the issue that builds Models adds real tests: checks only that the module links.
