"""`make soak`: the long fault-injection soak (100,000 upserts + 100,000 interactions, faults meanwhile), printed.

    .venv/bin/python -m tests.soak [--short] [--seed N] [--poison-percent P] [--keep]

Needs what `make test` needs (Java, Maven, Go, PostgreSQL): it starts its own broker and database (deploy/local, on free
ports, in .local/soak) so that its faults touch nothing else. Exit code 1 when anything was lost, duplicated or
committed ahead of its write.
"""

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from tests.soak.run import Plan, clean, soak

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the ≤ 3 minute version of make test")
    parser.add_argument("--seed", type=int, default=1, help="seeds the fault order, targets and spacing")
    parser.add_argument("--poison-percent", type=float, default=1.0, help="poison records per 100 good ones")
    parser.add_argument("--keep", action="store_true", help="keep .local/soak (logs, chaos log) afterwards")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("aiokafka").setLevel(
        logging.CRITICAL
    )  # it logs every refused connection while the broker restarts
    plan = (Plan.short if args.short else Plan.long)(seed=args.seed, poison_percent=args.poison_percent)
    workdir = ROOT / ".local" / "soak"
    clean(workdir)
    report = asyncio.run(soak(plan, workdir))
    print("\n".join(["", "soak:", *report.lines()]), flush=True)
    (workdir / "report.txt").write_text("\n".join([*report.chaos.actions, *report.lines()]) + "\n")
    if not args.keep:
        clean(workdir)
    bad = report.losses or report.duplicates or report.ahead or report.broken or not report.drained
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
