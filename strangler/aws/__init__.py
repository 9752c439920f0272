"""The facade's real-AWS commands: deploy, moves and compare on an account, preflight, OpenAPI."""
