"""Developer tool, until the first release: rewrite migration 0001 from schema.py.

Usage: python scripts/regen_initial_migration.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spark.adapters.db.migrate import MIGRATIONS, autogenerate  # noqa: E402

EXPRESSION_INDEX = (
    "    # Usernames are unique per domain regardless of case (autogenerate cannot see expression indexes).\n"
    "    op.create_index('ix_accounts_username_domain', 'accounts', [sa.text('lower(username)'), 'domain'],"
    " unique=True)\n"
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
    generated.unlink()
    (versions / "0001_initial_schema.py").write_text(text)
    print("wrote", versions / "0001_initial_schema.py")


if __name__ == "__main__":
    main()
