"""The member classes each type of co-op starts with (DESIGN §2), in English and Welsh."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tenants.registry.models import CoopType


@dataclass(frozen=True)
class ClassDefault:
    """A default member class."""

    code: str
    name_en: str
    name_cy: str
    voting: bool
    min_shares: int
    eligibility_en: str
    eligibility_cy: str
    vote_cap_pct: Decimal | None = None


WORKER = ClassDefault(
    "worker", "Worker member", "Aelod gweithiwr", True, 1,
    "Employed by the co-op as a care worker for at least three months.",
    "Wedi'i gyflogi gan y gydweithfa fel gweithiwr gofal am o leiaf dri mis.")
SUPPORTER = ClassDefault(
    "supporter", "Supporter member", "Aelod cefnogwr", False, 1,
    "Anyone who supports the co-op's aims.",
    "Unrhyw un sy'n cefnogi nodau'r gydweithfa.")
SERVICE_USER = ClassDefault(
    "service_user", "Service user member", "Aelod defnyddiwr gwasanaeth", True, 1,
    "Receives care or support arranged through the co-op.",
    "Yn derbyn gofal neu gymorth a drefnir drwy'r gydweithfa.")
FAMILY_CARER = ClassDefault(
    "family_carer", "Family carer member", "Aelod gofalwr teulu", True, 1,
    "An unpaid carer of a service user member.",
    "Gofalwr di-dâl i aelod sy'n defnyddio gwasanaeth.")
DP_HOLDER = ClassDefault(
    "dp_holder", "Direct Payment member", "Aelod Taliad Uniongyrchol", True, 1,
    "Receives Direct Payments from a Welsh local authority and pools them through the co-op.",
    "Yn derbyn Taliadau Uniongyrchol gan awdurdod lleol yng Nghymru ac yn eu cronni drwy'r "
    "gydweithfa.")
DP_REPRESENTATIVE = ClassDefault(
    "representative", "Representative member", "Aelod cynrychiadol", True, 1,
    "Manages a Direct Payment on behalf of a member who cannot manage it themselves.",
    "Yn rheoli Taliad Uniongyrchol ar ran aelod na all ei reoli ei hun.")
ASSOCIATE = ClassDefault(
    "associate", "Associate member", "Aelod cyswllt", False, 0,
    "Takes part in the co-op's life without a vote.",
    "Yn cymryd rhan ym mywyd y gydweithfa heb bleidlais.")
ACTIVE_OLDER = ClassDefault(
    "active_older", "Active older member", "Aelod hŷn gweithgar", True, 1,
    "An older person who gives care and support to other members.",
    "Person hŷn sy'n rhoi gofal a chymorth i aelodau eraill.")
FRAIL_OLDER = ClassDefault(
    "cared_for", "Cared-for member", "Aelod sy'n derbyn gofal", True, 1,
    "An older person who receives care from the co-op.",
    "Person hŷn sy'n derbyn gofal gan y gydweithfa.")
INVESTOR = ClassDefault(
    "investor", "Investor member", "Aelod buddsoddwr", True, 10,
    "Invests share capital in the co-op; the class holds at most 10% of the votes.",
    "Yn buddsoddi cyfalaf cyfranddaliadau; mae gan y dosbarth 10% o'r pleidleisiau ar y mwyaf.",
    Decimal("10"))
STAFF = ClassDefault(
    "staff", "Staff member", "Aelod staff", True, 1,
    "Employed by the co-op to support its foster carers.",
    "Wedi'i gyflogi gan y gydweithfa i gefnogi ei gofalwyr maeth.")
FOSTER_CARER = ClassDefault(
    "foster_carer", "Foster carer (associate)", "Gofalwr maeth (cyswllt)", False, 0,
    "An approved foster carer. Associate without a vote, as the fostering regulations require.",
    "Gofalwr maeth cymeradwy. Aelod cyswllt heb bleidlais, fel y mae'r rheoliadau maethu yn ei "
    "fynnu.")
COMMUNITY = ClassDefault(
    "community", "Community member", "Aelod cymunedol", True, 1,
    "Lives or works in the area the co-op serves.",
    "Yn byw neu'n gweithio yn yr ardal y mae'r gydweithfa'n ei gwasanaethu.")

DEFAULT_CLASSES: dict[CoopType, tuple[ClassDefault, ...]] = {
    CoopType.WORKER: (WORKER, SUPPORTER),
    CoopType.USER_LED: (SERVICE_USER, FAMILY_CARER, SUPPORTER),
    CoopType.DP_POOL: (DP_HOLDER, DP_REPRESENTATIVE, ASSOCIATE),
    CoopType.MULTI_STAKEHOLDER: (ACTIVE_OLDER, FRAIL_OLDER, WORKER, INVESTOR),
    CoopType.FOSTER: (STAFF, FOSTER_CARER),
    CoopType.COMMUNITY: (COMMUNITY, INVESTOR, SUPPORTER),
}
