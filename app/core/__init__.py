"""Shared plumbing: settings, database, security, errors, idempotency, audit, clock."""
