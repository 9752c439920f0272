"""Every environment variable the harness reads, in one place.

Precedence everywhere: explicit command-line option > environment > strangler.toml > default.
"""

from __future__ import annotations

CONFIG_PATH = "STRANGLER_CONFIG"
"""Path of the configuration file (default: strangler.toml in the current directory)."""

RUN_DIR = "STRANGLER_RUN_DIR"
"""Directory for pid files, logs, data and state (default: [project] run_dir)."""

DB_PROVIDER = "STRANGLER_DB_PROVIDER"
"""embedded | container | url; overrides [database] provider."""

DATABASE_URL = "DATABASE_URL"
"""The database URL for provider "url" (overrides [database] url), e.g. a real RDS instance."""

TRACING = "STRANGLER_TRACING"
"""1/0: overrides [tracing] enabled (also passed to the monolith and the functions)."""

TRACING_SAMPLE_RATE = "STRANGLER_TRACING_SAMPLE_RATE"
"""0..1: overrides [tracing] sample_rate."""

# Passed TO the Django processes the harness starts (not read by the harness itself); a
# project profile may add its own (strangler_core/profile.py).
DJANGO_SETTINGS_MODULE = "DJANGO_SETTINGS_MODULE"
DJANGO_CONN_MAX_AGE = "DJANGO_CONN_MAX_AGE"
