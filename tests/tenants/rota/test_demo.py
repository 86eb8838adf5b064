"""The rota and pool demo seeds are idempotent and stay in their co-op."""

from datetime import date

from tenants.payments import demo as pool_demo
from tenants.payments.models import DpPoolEntry, DpPoolMember
from tenants.rota import demo as rota_demo
from tenants.rota.models import Visit, VisitPattern
from tests.tenants.rota.helpers import count, make_client, make_member, make_worker

TODAY = date(2026, 7, 15)


def test_demo_seeds_twice_change_nothing(coops, coop_session):
    (a, _), (dp, _) = coops
    with coop_session(a) as session:
        before_a = (count(session, Visit), count(session, DpPoolEntry))
    with coop_session(dp) as session:
        for _ in range(4):
            make_client(session)
            make_member(session)
        for _ in range(3):
            make_worker(session)
    sizes = []
    for _ in range(2):
        with coop_session(dp) as session:
            rota_demo.seed(session, "dp_pool", TODAY)
            pool_demo.seed(session, "dp_pool", TODAY)
        with coop_session(dp) as session:
            sizes.append(tuple(count(session, m)
                               for m in (VisitPattern, Visit, DpPoolMember, DpPoolEntry)))
    assert sizes[0] == sizes[1]
    patterns, visits, members, entries = sizes[0]
    assert patterns and visits and members and entries
    with coop_session(a) as session:
        assert (count(session, Visit), count(session, DpPoolEntry)) == before_a
