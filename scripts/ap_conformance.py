#!/usr/bin/env python3
"""Replay an ActivityPub corpus against Spark and report, per file, the expected outcome (INDEX.md), the
actual one, ok/mismatch, and whether Spark ever answered 5xx.

    .venv/bin/python scripts/ap_conformance.py ../shared/ap-corpus
    .venv/bin/python scripts/ap_conformance.py CORPUS --spark http://127.0.0.1:8000 --origin-port 9999

Without --spark it starts its own Spark (SQLite, in a temporary directory) and a fake origin. With --spark
the server must have been started with SPARK_FEDERATION_ALLOW_PRIVATE=1, open registrations and the
SPARK_FEDERATION_HOSTS value this script prints for --origin-port (the fake origin's names → loopback).

Exit status: 1 when Spark answered any 5xx, an inbox job crashed or a replay crashed; 0 otherwise.
Mismatches with INDEX.md are reported, not fatal: they are the list of things still to do.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.federation.conformance import FAKE_NAMES, Replay, index_rows  # noqa: E402
from tests.federation.fake_origin import FakeOrigin  # noqa: E402


def _table(results) -> str:
    lines = []
    for r in results:
        verdict = "CRASH" if r.crash else "5xx" if r.server_error else "ok" if r.ok else "mismatch"
        lines.append(f"[{verdict:8}] {r.file}")
        lines.append(textwrap.shorten("    expected: " + r.expected, 220))
        lines.append("    actual:   " + (r.actual or "-") + (f"  !! {r.crash}" if r.crash else ""))
    return "\n".join(lines)


def replay_all(corpus: Path, spark, origin, db_query=None, only: list[str] | None = None):
    expected = index_rows(corpus)
    replay = Replay(spark, origin, db_query=db_query)
    results = []
    for path in sorted(corpus.glob("*.json")):
        if only and path.name not in only:
            continue
        result = replay.run(path, expected.get(path.name, ""))
        print(_table([result]), flush=True)
        results.append(result)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--spark", help="URL of a running Spark (default: start one)")
    parser.add_argument("--origin-port", type=int, default=0, help="port of the fake origin (with --spark)")
    parser.add_argument("--only", nargs="*", help="file names to replay")
    args = parser.parse_args()
    origin = FakeOrigin(FAKE_NAMES, port=args.origin_port)
    with origin:
        if args.spark:
            from tests.harness import SparkServer

            print(f"SPARK_FEDERATION_HOSTS={origin.hosts_setting()}", flush=True)
            port = int(args.spark.rsplit(":", 1)[1].split("/")[0])
            spark = SparkServer(url=args.spark.rstrip("/"), port=port, data_dir=Path("."), env={})
            results = replay_all(args.corpus, spark, origin, only=args.only)
        else:
            from tests.federation.support import SETTINGS, query
            from tests.harness import running_server

            with tempfile.TemporaryDirectory(prefix="ap-conformance-") as tmp, \
                    running_server(Path(tmp), **SETTINGS, federation_hosts=origin.hosts_setting()) as spark:
                results = replay_all(args.corpus, spark, origin, db_query=lambda sql: query(spark, sql),
                                     only=args.only)
    ok = sum(r.ok for r in results)
    errors = [r for r in results if r.crash or r.server_error]
    print(f"\n{len(results)} files: {ok} ok, {len(results) - ok - len(errors)} mismatches, "
          f"{len(errors)} with a 5xx or a crash")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
