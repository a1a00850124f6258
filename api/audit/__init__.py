"""The admin audit log in the schema."""
