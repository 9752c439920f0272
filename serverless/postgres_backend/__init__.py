"""A Django database backend for the sandbox: PostgreSQL with one held connection per process.

``ENGINE = "serverless.postgres_backend"`` (set by ``serverless.connection_policy``).
"""
