"""Orchestration: settings, plain pipeline functions, thin Prefect flows and the `gpect` CLI."""

import os

# Prefect's telemetry and analytics try outside hosts (slow, noisy offline; ../shared/STACK.md);
# the ephemeral server needs longer than its 20 s default to start on a fresh database.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
