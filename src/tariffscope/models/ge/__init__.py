"""models/ge."""
