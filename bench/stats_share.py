"""Published share per release over five releases with opt-outs, joins and an insider
(issue 18; the share is issue 10's "utility" figure: cells shown / cells).

Pure engine, no store: a generated federation (tests/services/stats/generate.py's
generator, bigger), five consecutive releases as in tests/services/stats/test_multi_release.py.
Run it from the project folder::

    .venv/bin/python -m bench.stats_share              # 40 co-ops over 4 LAs, 8 weeks
    .venv/bin/python -m bench.stats_share --coops 60

To compare with an earlier engine, run the same file with that tree first on the path
(``PYTHONPATH=/path/to/old/tree .venv/bin/python bench/stats_share.py``); an engine
without the cell-key secret is called without it.
"""

from __future__ import annotations

import argparse
import inspect
import os
import platform
import sys
import time

sys.path.insert(0, os.environ.get("PYTHONPATH", "").split(":")[0] or os.getcwd())

LAS = ("W06000018", "W06000019", "W06000020", "W06000022")


def scenario(coops: int, weeks: int):
    """(weeks published, co-ops out, the insider's extra clients) for five releases."""
    late = {coops - 1, coops}  # join in releases 3 and 5
    return (
        (weeks - 4, late, 0),
        (weeks - 3, {2} | late, 0),               # co-op 2 opts out
        (weeks - 2, {2, coops}, 0),               # one co-op joins with its history
        (weeks - 1, {2, coops}, 1),               # the insider edits past weeks
        (weeks, {2, 3}, 2),                       # another joins, another opts out
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coops", type=int, default=40)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args(argv)

    from services.stats.aggregate import aggregate
    from services.stats.cells import PERSON_MEASURES
    from services.stats.disclosure import protect
    from services.stats.usefulness import share, usefulness
    from tests.services.stats.generate import federation
    from tests.services.stats.test_releases import _insider_rows

    weeks = tuple(f"2026-W{n:02d}" for n in range(1, args.weeks + 1))
    everyone, rows = federation(args.seed, coops=args.coops, weeks=weeks, las=LAS, scale=8)
    keyed = "secret" in inspect.signature(protect).parameters
    print(f"# {platform.node()} {time.strftime('%Y-%m-%d %H:%M')} load {os.getloadavg()[0]:.1f}; "
          f"{args.coops} co-ops, {len(LAS)} LAs, {args.weeks} weeks, seed {args.seed}")
    refs = {}
    for version, (n_weeks, out, extra) in enumerate(scenario(args.coops, args.weeks), 1):
        coops = {c: i for c, i in everyone.items() if c not in out}
        inside = set(weeks[:n_weeks])
        these = _insider_rows([r for r in rows if r[1] in inside and r[0] in coops], extra)
        started = time.perf_counter()
        agg = aggregate(coops, these, grid="present")
        options = {"secret": b"bench"} if keyed else {}
        release = protect(agg, refs, **options)
        seconds = time.perf_counter() - started
        refs = release.refs
        counts = usefulness(release.cells)
        person = [v for (_, m), v in counts.items() if m in PERSON_MEASURES]
        print(f"release {version}: {len(release.cells)} cells, share {share(counts.values()):.1%}"
              f", person cells {share(person):.1%}, {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
