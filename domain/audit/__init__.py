"""The admin audit log: every change to people and reference data (issue 13)."""
