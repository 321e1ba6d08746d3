"""SQL storage: SQLite by default, PostgreSQL at scale."""
