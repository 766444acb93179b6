"""The words for evidence coverage, shared by the pages and the Word export."""

from __future__ import annotations

from flask_babel import gettext, ngettext

from portal.strategies.queries import GoalNode, StrategyView


def coverage_sentence(view: StrategyView) -> str:
    """«7 av 11 delmål har eksempler.» (or «mål» when the strategy has one level)."""
    counts = {"with": view.goals_with_evidence, "total": view.goals_total}
    if view.is_nested:
        return gettext("%(with)s of %(total)s sub-goals have supporting cases.", **counts)
    return gettext("%(with)s of %(total)s goals have supporting cases.", **counts)


def evidence_label(node: GoalNode) -> tuple[str, bool]:
    """What a goal's badge says, and whether the goal is flagged as lacking evidence."""
    if node.has_evidence:
        return ngettext("%(num)d case", "%(num)d cases", len(node.links)), False
    if node.cases_below:
        return ngettext("%(num)d case in its sub-goals", "%(num)d cases in its sub-goals",
                        node.cases_below), False  # fmt: skip
    return gettext("No cases yet"), True
