"""Primitives shared by connectors, the pipeline and the reports, each written once: INSEE codes
(`codes`), name folding (`names`), atomic file writes (`files`) and spreadsheet-safe cells
(`cells`). Pure: nothing here imports flows/ or reports/, nor reads a source."""
