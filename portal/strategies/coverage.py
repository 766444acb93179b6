"""The words for evidence coverage, shared by the pages and the Word export."""

from __future__ import annotations

from babel.lists import format_list
from flask_babel import get_locale, gettext, ngettext

from portal.strategies.queries import GoalNode, StrategyView


def coverage_sentence(view: StrategyView) -> str:
    """Coverage counted and named level by level, as the strategy names its levels:
    «4 av 5 delmål og 7 av 11 områder har eksempler.» A level with a single goal (one
    hovedmål above the delmål) is left out when there are others."""
    levels = view.levels()
    if len(levels) > 1:
        levels = [level for level in levels if level[2] > 1] or levels
    if not levels:
        return gettext("The strategy has no goals yet.")
    parts = [
        gettext("%(with)s of %(total)s %(level)s", level=kind_plural(kind, total), total=total,
                **{"with": covered})
        for kind, covered, total in levels
    ]  # fmt: skip
    return gettext(
        "%(levels)s have supporting cases.", levels=format_list(parts, locale=get_locale())
    )


def kind_plural(kind: str, count: int) -> str:
    """A Norwegian level name in the form a count takes: «delmål», «områder», «tiltaksområder»."""
    word = kind[:1].lower() + kind[1:]
    if count == 1 or word.endswith(("mål", "grep", "tiltak")):
        return word
    return word + ("r" if word.endswith("e") else "er")


def evidence_label(node: GoalNode) -> tuple[str, bool]:
    """What a goal's badge says, and whether the goal is flagged as lacking evidence."""
    if node.has_evidence:
        return ngettext("%(num)d case", "%(num)d cases", len(node.links)), False
    if node.cases_below:
        return ngettext("%(num)d case in its sub-goals", "%(num)d cases in its sub-goals",
                        node.cases_below), False  # fmt: skip
    return gettext("No cases yet"), True
