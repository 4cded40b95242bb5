"""trigram search indexes (PostgreSQL only)

List-page searches are ILIKE '%term%'; pg_trgm GIN indexes keep them fast on large tables.
SQLite has no equivalent and needs none at demo sizes.

Revision ID: 5b2f0c1d9e47
Revises: 0f39d1565e76
Create Date: 2026-11-25 05:00:00
"""

from alembic import op

revision = "5b2f0c1d9e47"
down_revision = "0f39d1565e76"
branch_labels = None
depends_on = None

SEARCHED = {
    "provider": ["legal_name", "trade_name", "siret", "email", "city"],
    "client": ["full_name", "email"],
    "review": ["text"],
}


def _names():
    for table, columns in SEARCHED.items():
        for column in columns:
            yield table, column, f"trgm_{table}_{column}"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column, name in _names():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for _, _, name in _names():
        op.execute(f"DROP INDEX IF EXISTS {name}")
