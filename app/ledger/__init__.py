"""The daily ledger (台账), care logs and the school office's statistics."""
