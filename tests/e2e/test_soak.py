"""The short fault-injection soak (≤ 3 minutes; `make soak` runs the long one): 10,000 upserts and 10,000 interactions
with 1 % poison, two importers and two history services, while a replica is killed with -9, another is stopped past
the consumer session timeout, the Kafka broker is restarted and FerretDB is killed and restarted. Nothing acknowledged
may be lost or applied twice, every poison record must be on a rejection topic, no offset committed ahead of its write.
See tests/soak/verify.py for what each count means."""

import pytest

from tests.e2e.system import ROOT
from tests.soak.run import Plan, clean, soak


@pytest.mark.timeout(420)
async def test_short_soak_loses_nothing_and_duplicates_nothing() -> None:
    plan = Plan.short()
    # In the checkout, not in /tmp/pytest-of-<user> (mode 700): PostgreSQL runs as its own user and needs its data dir.
    workdir = ROOT / ".local" / "soak-test"
    clean(workdir)
    report = await soak(plan, workdir)
    clean(workdir)
    print("\n".join(report.chaos.actions + report.lines()))
    summary = "\n".join(report.lines())
    assert sorted(report.chaos.faults.elements()) == sorted(plan.faults), summary
    assert report.acknowledged["upserts"] == plan.upserts and report.acknowledged["interactions"] == plan.interactions
    assert report.drained, summary
    assert report.findings.counts["profiles"] == plan.emails, summary
    assert report.losses == 0, summary
    assert report.duplicates == 0, summary
    assert report.ahead == 0, summary
    assert report.broken == 0, summary
