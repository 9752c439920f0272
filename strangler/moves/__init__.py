"""Moving one route between the monolith and Lambda: migrate, rollback, parity, the ledger."""
