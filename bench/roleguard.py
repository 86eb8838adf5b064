"""Cost of the role-switch guard (``tenants.roleguard``) on PostgreSQL statements.

Run it from the project folder::

    .venv/bin/python -m bench.roleguard              # 20,000 statements, 5 interleaved rounds
    .venv/bin/python -m bench.roleguard --statements 5000 --rounds 3

Two engines on the same database (``BENCH_POSTGRES_URL``, default the local ``test``
database), one guarded and one not, run the same work in turn, interleaved so that the
shared machine's load falls on both alike: transactions of 5 statements each, a typical
tenant query shape (an indexed SELECT on a small catalogue table), with the guard's
"inside a co-op" mark set as ``SET LOCAL ROLE`` would set it. Also timed on its own: the
guard's check on a SELECT of the shape a co-op's pages send.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import timeit

from sqlalchemy import create_engine, text

from core.config import normalise_database_url
from tenants import roleguard

URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SQL = ("SELECT members.id, members.display_name, members.email, members.joined_on "
       "FROM members WHERE members.id = %(id_1)s::INTEGER ORDER BY members.joined_on DESC "
       "LIMIT %(param_1)s::INTEGER OFFSET %(param_2)s::INTEGER")
QUERY = text("SELECT relname FROM pg_class WHERE oid = :oid")
PER_TRANSACTION = 5


def run(engine, transactions: int, guarded: bool) -> float:
    """Seconds per statement over ``transactions`` transactions."""
    with engine.connect() as conn:
        start = time.perf_counter()
        for _ in range(transactions):
            with conn.begin():
                if guarded:
                    roleguard.entered(conn, "bench_coop_role")
                for _ in range(PER_TRANSACTION):
                    conn.execute(QUERY, {"oid": 1259}).scalar()
        elapsed = time.perf_counter() - start
    return elapsed / (transactions * PER_TRANSACTION)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    transactions = max(1, args.statements // PER_TRANSACTION // args.rounds)
    url = normalise_database_url(URL)
    plain = create_engine(url)
    guarded = create_engine(url)
    roleguard.install(guarded)
    run(plain, 50, False), run(guarded, 50, True)  # warm both pools
    times = {"plain": [], "guarded": []}
    for _ in range(args.rounds):
        times["plain"].append(run(plain, transactions, False))
        times["guarded"].append(run(guarded, transactions, True))
    class Inside:  # a connection inside a co-op's transaction, as the guard sees it
        info = {roleguard.IN_COOP: "bench_coop_role"}

    check = timeit.timeit(lambda: roleguard._check(Inside, None, SQL, None, None, False),
                          number=100_000) / 100_000
    p, g = statistics.median(times["plain"]), statistics.median(times["guarded"])
    load = os.getloadavg()
    print(f"statements per engine: {transactions * PER_TRANSACTION * args.rounds}, "
          f"rounds: {args.rounds}, load average: {load[0]:.2f} {load[1]:.2f}")
    print("| | per statement (median of rounds) |")
    print("|---|---|")
    print(f"| unguarded | {p * 1e6:.0f} µs |")
    print(f"| guarded | {g * 1e6:.0f} µs |")
    print(f"| difference | {(g - p) * 1e6:+.1f} µs ({(g / p - 1) * 100:+.1f} %) |")
    print(f"| the guard's check alone, on a 200-character SELECT | {check * 1e6:.2f} µs |")
    plain.dispose()
    guarded.dispose()


if __name__ == "__main__":
    main()
