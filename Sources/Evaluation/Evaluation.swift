// The Evaluation module; its contents arrive with the issue that builds it.
import Models
