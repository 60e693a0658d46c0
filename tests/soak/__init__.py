"""The fault-injection soak: produce, break things, consume, validate (see tests/soak/__main__.py)."""
