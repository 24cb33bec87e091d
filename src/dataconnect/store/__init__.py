"""SQL persistence for both databases: SQLite (embedded) and PostgreSQL (clustered)."""
