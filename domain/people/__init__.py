"""People leaving and moving: their work handed over, never orphaned (issue 13)."""
