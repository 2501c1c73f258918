"""Presentation layer: exports, per-town reports and the jury shortlist. Never imports flows."""
