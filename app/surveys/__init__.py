"""Opt-in surveys (意愿征询): drafts, publication, family answers and results."""
