"""The dashboards in the schema."""
