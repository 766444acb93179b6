"""Who may see which case. Every list, page, feed and API endpoint goes through here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from portal.cases.models import Case, CaseStatus


def visible_cases(user: Any = None) -> Select[tuple[Case]]:
    """Cases the given user may see in lists; anonymous users see published cases only."""
    # Contributors' and editors' wider view arrives with the accounts issue; until then
    # nobody is shown anything but published content, whoever they are.
    return select(Case).where(Case.status == CaseStatus.PUBLISHED)


def can_view_case(user: Any, case: Case) -> bool:
    return case.status is CaseStatus.PUBLISHED
