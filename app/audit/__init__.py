"""The audit trail as school admins read it: who did what, when, from where."""
