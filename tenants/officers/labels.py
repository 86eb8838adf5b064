"""Names of the offices in the register of officers, in Welsh and English."""

from flask_babel import lazy_gettext as _l

OFFICE_NAMES = {
    "chair": _l("Chair"),
    "vice_chair": _l("Vice-chair"),
    "secretary": _l("Secretary"),
    "treasurer": _l("Treasurer"),
    "committee_member": _l("Committee member"),
}
