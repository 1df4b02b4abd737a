"""Renderers: one module per target, each walking the same Derivation."""
