"""Verification: exhaustive (every input) and compositional (a certificate for any n)."""
