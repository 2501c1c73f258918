"""The pipeline as plain functions: settings, the data directory's lock, ingestion, the warehouse
build (with the diagnostic's Python models), freshness, the outputs and `run()`, the whole chain.

Nothing here imports Prefect or Typer: the CLI (`flows/cli/`) and the Prefect flows
(`flows/*_flow.py`) are thin doors on these functions, and tests call them directly."""
