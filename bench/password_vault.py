"""Cost of checking passwords inside PostgreSQL (migration 0019) instead of reading the hash.

Run it from the project folder::

    .venv/bin/python -m bench.password_vault              # 60 sign-ins, 5 interleaved rounds
    .venv/bin/python -m bench.password_vault --checks 30 --rounds 3

Both ways run on one connection to ``BENCH_POSTGRES_URL`` (default the local ``test``
database) against a temporary table and temporary copies of the migration's functions
(``pg_temp``: nothing is left in the database), interleaved so the shared machine's
load falls on both alike:

- *read*: ``SELECT password_hash`` and argon2's ``verify`` in Python (before 0019);
- *vault*: the salt from ``password_salt``, the candidate hashed in Python with it, and
  ``password_matches`` comparing in the database (what sign-in does now).

Also timed without argon2: the database's part alone (one query against two).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from core.config import normalise_database_url
from federation.accounts.passwords import hash_like

URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ACCOUNTS = 200
PASSWORD = "correct horse battery staple"
SETUP = (
    "CREATE TEMPORARY TABLE accounts (id integer PRIMARY KEY, password_hash text NOT NULL)",
    """CREATE FUNCTION pg_temp.password_salt(p_account integer)
       RETURNS TABLE (prefix text, hash_chars integer)
       LANGUAGE sql STABLE SECURITY DEFINER AS $$
           SELECT regexp_replace(password_hash, '[$][^$]*$', ''),
                  length(substring(password_hash from '[^$]*$'))
           FROM pg_temp.accounts WHERE id = p_account $$""",
    """CREATE FUNCTION pg_temp.password_matches(p_account integer, p_hash text)
       RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER AS $$
           SELECT coalesce((SELECT password_hash = p_hash FROM pg_temp.accounts
                            WHERE id = p_account), false) $$""",
)
READ = text("SELECT password_hash FROM pg_temp.accounts WHERE id = :a")
SALT = text("SELECT prefix, hash_chars FROM pg_temp.password_salt(:a)")
MATCH = text("SELECT pg_temp.password_matches(:a, :h)")


def read_way(conn, hasher: PasswordHasher, account: int, argon: bool) -> None:
    stored = conn.execute(READ, {"a": account}).scalar_one()
    if argon:
        hasher.verify(stored, PASSWORD)


def vault_way(conn, hasher: PasswordHasher, account: int, argon: bool) -> None:
    prefix, chars = conn.execute(SALT, {"a": account}).one()
    candidate = hash_like(prefix, chars, PASSWORD) if argon else prefix
    conn.execute(MATCH, {"a": account, "h": candidate}).scalar_one()


def timed(conn, way, hasher, checks: int, argon: bool) -> float:
    """Seconds per check, over ``checks`` accounts."""
    start = time.perf_counter()
    for i in range(checks):
        way(conn, hasher, 1 + i % ACCOUNTS, argon)
    return (time.perf_counter() - start) / checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    hasher = PasswordHasher()
    stored = hasher.hash(PASSWORD)
    engine = create_engine(normalise_database_url(URL))
    with engine.connect() as conn:
        for sql in SETUP:
            conn.exec_driver_sql(sql)
        conn.execute(text("INSERT INTO pg_temp.accounts SELECT g, :h FROM "
                          "generate_series(1, :n) g"), {"h": stored, "n": ACCOUNTS})
        conn.commit()
        assert conn.execute(MATCH, {"a": 1, "h": hash_like(*conn.execute(
            SALT, {"a": 1}).one(), PASSWORD)}).scalar_one() is True
        results = {key: [] for key in ("read", "vault", "read_db", "vault_db")}
        per_round = max(1, args.checks // args.rounds)
        for _ in range(args.rounds):
            results["read"].append(timed(conn, read_way, hasher, per_round, True))
            results["vault"].append(timed(conn, vault_way, hasher, per_round, True))
            results["read_db"].append(timed(conn, read_way, hasher, per_round * 20, False))
            results["vault_db"].append(timed(conn, vault_way, hasher, per_round * 20, False))
    engine.dispose()
    m = {key: statistics.median(values) * 1e3 for key, values in results.items()}
    load = os.getloadavg()
    print(f"checks per way: {per_round * args.rounds} (database part alone: "
          f"{per_round * args.rounds * 20}), rounds: {args.rounds}, "
          f"load average: {load[0]:.2f} {load[1]:.2f}")
    print("| per sign-in check (median of rounds) | read the hash | vault (0019) | difference |")
    print("|---|---|---|---|")
    print(f"| with argon2 (what a sign-in costs) | {m['read']:.1f} ms | {m['vault']:.1f} ms "
          f"| {m['vault'] - m['read']:+.1f} ms |")
    print(f"| the database's part alone | {m['read_db']:.2f} ms | {m['vault_db']:.2f} ms "
          f"| {m['vault_db'] - m['read_db']:+.2f} ms |")


if __name__ == "__main__":
    main()
