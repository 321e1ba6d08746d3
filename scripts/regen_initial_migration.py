"""Developer tool, until the first release: rewrite migration 0001 from schema.py.

Usage: python scripts/regen_initial_migration.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spark.adapters.db.migrate import MIGRATIONS, autogenerate  # noqa: E402
from spark.adapters.db.schema import STATUS_SEARCH_SQLITE, statuses  # noqa: E402

EXPRESSION_INDEX = (
    "    # Usernames are unique per domain regardless of case (autogenerate cannot see expression indexes).\n"
    "    op.create_index('ix_accounts_username_domain', 'accounts', [sa.text('lower(username)'), 'domain'],"
    " unique=True)\n"
)


def search_index() -> str:
    """Post search, per backend (autogenerate sees neither an expression index nor a virtual table)."""
    (words,) = [index for index in statuses.indexes if index.name == "ix_statuses_search"]
    create_index = str(CreateIndex(words).compile(dialect=postgresql.dialect()))
    return (
        "    # Post search (adapters/db/search_index.py): a GIN index over the words of each post on PostgreSQL,\n"
        "    # an FTS5 table on SQLite.\n"
        "    if op.get_bind().dialect.name == 'postgresql':\n"
        f"        op.execute({create_index!r})\n"
        "    else:\n"
        f"        op.execute({STATUS_SEARCH_SQLITE!r})\n"
    )


def main() -> None:
    versions = MIGRATIONS / "versions"
    for old in versions.glob("*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        autogenerate(f"sqlite+aiosqlite:///{tmp}/empty.sqlite3", "initial schema")
    (generated,) = versions.glob("*.py")
    text = generated.read_text()
    text = re.sub(r"Revision ID: \w+", "Revision ID: 0001", text)
    text = re.sub(r'^revision = .*$', 'revision = "0001"', text, flags=re.M)
    text = text.replace("Revises: \n", "Revises:\n")
    text = re.sub(r"Create Date: .*\n", "", text)
    marker = "    op.create_table('apps',"
    text = text.replace(marker, EXPRESSION_INDEX + "\n" + marker, 1)
    text = text.replace("    # ### end Alembic commands ###\n", search_index() + "    # ### end Alembic commands ###\n", 1)
    text = text.replace("def downgrade() -> None:\n", "def downgrade() -> None:\n"
                        "    op.execute('DROP TABLE IF EXISTS status_search')\n", 1)
    generated.unlink()
    (versions / "0001_initial_schema.py").write_text(text)
    print("wrote", versions / "0001_initial_schema.py")


if __name__ == "__main__":
    main()
