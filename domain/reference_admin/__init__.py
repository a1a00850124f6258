"""An admin edits the reference data (issue 13, part 5): problem types and their SLA policies,
routing rules (with a preview that uses the filing's own routing), offices. Every change is
written to the admin audit log in its own transaction."""
