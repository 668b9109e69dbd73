"""models/pe."""
