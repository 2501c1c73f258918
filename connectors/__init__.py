"""Extract layer: bytes from publishers into data/raw, then typed Parquet tables.

Connectors never import flows: settings arrive as arguments.
"""
