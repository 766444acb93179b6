"""Human labels for enum values, translated at render time."""

from __future__ import annotations

from portal.cases.models import CaseStatus, EvidenceLevel, ProcurementStatus
from portal.organizations.models import OrganizationType
from portal.strategies.models import ActionStatus, Direction, StrategyStatus
from portal.taxonomy.facets import FACETS, VOCABULARY_FACETS
from portal.translating import lazy_gettext as _l

ROLE = {
    "contributor": _l("Contributor"),
    "editor": _l("Editor"),
    "strategy_author": _l("Strategy author"),
    "admin": _l("Administrator"),
}
PROCUREMENT_STATUS = {
    ProcurementStatus.PLANNED: _l("Planned"),
    ProcurementStatus.ONGOING: _l("Ongoing"),
    ProcurementStatus.COMPLETED: _l("Completed"),
}

CASE_STATUS = {
    CaseStatus.DRAFT: _l("Draft"),
    CaseStatus.SUBMITTED: _l("Submitted"),
    CaseStatus.CHANGES_REQUESTED: _l("Changes requested"),
    CaseStatus.PUBLISHED: _l("Published"),
    CaseStatus.REJECTED: _l("Rejected"),
    CaseStatus.UNPUBLISHED: _l("Unpublished"),
}

EVENT_LABELS = {
    "create": _l("created the case"),
    "submit": _l("sent it to the editors"),
    "request_changes": _l("requested changes"),
    "publish": _l("published it"),
    "reject": _l("rejected it"),
    "unpublish": _l("unpublished it"),
    "restore": _l("restored an earlier revision"),
    "propose_change": _l("proposed a change to the published case"),
    "decline_change": _l("declined the proposed change"),
    "delete": _l("deleted the draft"),
}

# What a notification is about, as the notification list labels it.
NOTIFICATION_KIND = {
    "submit": _l("New case for review"),
    "propose_change": _l("Change for review"),
    "request_changes": _l("Changes requested"),
    "publish": _l("Published"),
    "reject": _l("Not published"),
    "approve_change": _l("Change published"),
    "decline_change": _l("Change not approved"),
    "unpublish": _l("Unpublished"),
    "contact": _l("Question about the case"),
}

QUEUE_KIND = {"new": _l("New case"), "change": _l("Change to a published case")}

EVIDENCE_LEVEL = {
    EvidenceLevel.EXPECTED: _l("Expected"),
    EvidenceLevel.SELF_REPORTED: _l("Self-reported"),
    EvidenceLevel.DOCUMENTED: _l("Documented"),
    EvidenceLevel.INDEPENDENTLY_EVALUATED: _l("Independently evaluated"),
}

ORGANIZATION_TYPE = {
    OrganizationType.KOMMUNE: _l("Municipality"),
    OrganizationType.FYLKESKOMMUNE: _l("County authority"),
    OrganizationType.STATLIG: _l("State agency"),
    OrganizationType.INNKJOPSSAMARBEID: _l("Purchasing cooperation"),
    OrganizationType.SELSKAP: _l("Company"),
    OrganizationType.UTENLANDSK: _l("Foreign public body"),
}

ACTION_STATUS = {
    ActionStatus.UNKNOWN: _l("Status unknown"),
    ActionStatus.PLANNED: _l("Planned"),
    ActionStatus.ONGOING: _l("Ongoing"),
    ActionStatus.DONE: _l("Done"),
}

STRATEGY_STATUS = {
    StrategyStatus.DRAFT: _l("Draft"),
    StrategyStatus.PUBLISHED: _l("Published, adoption not stated"),
    StrategyStatus.ADOPTED: _l("Adopted"),
}

DIRECTION = {
    Direction.HIGHER_IS_BETTER: _l("higher is better"),
    Direction.LOWER_IS_BETTER: _l("lower is better"),
}

VOCABULARY = {f.vocabulary: f.label for f in VOCABULARY_FACETS}
VOCABULARY_PLURAL = {f.vocabulary: f.plural for f in VOCABULARY_FACETS}
FACET_LABELS = {f.field: f.label for f in FACETS}

SORT = {
    "newest": _l("Newest first"),
    "oldest": _l("Oldest first"),
    "year": _l("By year"),
    "title": _l("By title (A–Å)"),
}

SECTION = {
    "background": _l("Background and need"),
    "what_was_done": _l("What was done"),
    "results_text": _l("Results"),
    "not_as_planned": _l("What did not go as planned"),
    "lessons": _l("Lessons and transferability"),
}


def as_globals() -> dict[str, dict]:
    return {
        "ROLE": ROLE,
        "PROCUREMENT_STATUS": PROCUREMENT_STATUS,
        "CASE_STATUS": CASE_STATUS,
        "EVENT_LABELS": EVENT_LABELS,
        "EVIDENCE_LEVEL": EVIDENCE_LEVEL,
        "NOTIFICATION_KIND": NOTIFICATION_KIND,
        "QUEUE_KIND": QUEUE_KIND,
        "ORGANIZATION_TYPE": ORGANIZATION_TYPE,
        "ACTION_STATUS": ACTION_STATUS,
        "DIRECTION": DIRECTION,
        "STRATEGY_STATUS": STRATEGY_STATUS,
        "VOCABULARY": VOCABULARY,
        "VOCABULARY_PLURAL": VOCABULARY_PLURAL,
        "SORT": SORT,
        "FACET_LABELS": FACET_LABELS,
        "SECTION": SECTION,
    }
