"""Storage: SQLModel tables and repositories implementing ``bot.ports`` on SQLite or PostgreSQL."""
