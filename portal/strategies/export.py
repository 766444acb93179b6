"""A strategy as a Word document (python-docx): goals, actions, indicators and evidence."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from flask_babel import gettext

from portal.cases.models import CaseResult
from portal.dates import format_partial
from portal.i18n import current_language
from portal.labels import ACTION_STATUS, DIRECTION, STRATEGY_STATUS
from portal.strategies.chart_images import coverage_png, indicator_png
from portal.strategies.charts import indicator_chart, summary_of
from portal.strategies.coverage import coverage_sentence, evidence_label
from portal.strategies.queries import GoalNode, StrategyView
from portal.templating import format_day, format_number
from portal.text import markdown_to_text

KEY_RESULTS = 3  # results shown per evidence case


def _hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    """python-docx has no API for hyperlinks; this is the documented oxml workaround."""
    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    props.append(style)
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "0563C1")
    props.append(color)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.append(underline)
    run.append(props)
    text_element = OxmlElement("w:t")
    text_element.text = text
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


def _result_line(result: CaseResult) -> str:
    line = f"{result.indicator}: {format_number(result.value)} {result.unit}"
    if result.baseline is not None:
        baseline = f"{format_number(result.baseline)} {result.unit}"
        line += " " + gettext("(baseline %(value)s)", value=baseline)
    if result.period:
        line += f", {result.period}"
    return line


def _table(document, headers: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Light Grid Accent 1"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
        cell.paragraphs[0].runs[0].bold = True
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value


def _picture(document, png: bytes, description: str) -> None:
    """An image with its text alternative (Word's "alt text") and the same text below it."""
    document.add_picture(BytesIO(png), width=Cm(14))
    picture = document.paragraphs[-1]
    for properties in picture._p.iter(qn("wp:docPr")):
        properties.set("descr", description)
    document.add_paragraph(description, style="Caption")


def _goal(document, node: GoalNode, case_url: Callable[[str], str]) -> None:
    goal = node.goal
    heading = goal.heading if goal.code else f"{goal.kind}: {goal.title}"
    # "Goals" is level 1; each level of goals one deeper, and its parts one deeper still, so
    # the outline never skips a level.
    level = min(node.depth + 2, 8)
    document.add_heading(heading, level=level)
    if goal.description:
        document.add_paragraph(markdown_to_text(goal.description))
    if goal.actions:
        document.add_heading(gettext("Actions"), level=level + 1)
        _table(
            document,
            [
                gettext("Action"),
                gettext("Responsible unit"),
                gettext("Deadline"),
                gettext("Status"),
            ],
            [
                [
                    a.title,
                    a.responsible or "",
                    format_partial(a.deadline, a.deadline_precision),
                    str(ACTION_STATUS[a.status]),
                ]
                for a in goal.actions
            ],
        )
    if goal.indicators:
        document.add_heading(gettext("Indicators"), level=level + 1)
        _table(
            document,
            [
                gettext("Indicator"),
                gettext("Baseline"),
                gettext("Target"),
                gettext("Latest measurement"),
            ],
            [
                [
                    f"{i.name} ({DIRECTION[i.direction]})",
                    f"{format_number(i.baseline)} {i.unit}" if i.baseline is not None else "",
                    f"{format_number(i.target)} {i.unit}"
                    + (
                        " " + gettext("by %(day)s", day=format_day(i.target_date))
                        if i.target_date
                        else ""
                    ),
                    f"{format_number(i.latest.value)} {i.unit} ({format_day(i.latest.measured_on)})"
                    if i.latest
                    else gettext("No measurements yet."),
                ]
                for i in goal.indicators
            ],
        )
        for indicator in goal.indicators:
            text = f"{indicator.name}: {summary_of(indicator)}"
            if indicator.measurements:
                _picture(
                    document, indicator_png(indicator_chart(indicator), gettext("Target")), text
                )
            else:
                document.add_paragraph(text, style="List Bullet")
    document.add_heading(gettext("Cases supporting this goal"), level=level + 1)
    if not node.links and node.cases_below:
        document.add_paragraph(gettext("The cases are linked to the sub-goals below."))
    elif not node.links:
        flagged = document.add_paragraph().add_run(gettext("No cases are linked to this goal yet."))
        flagged.italic = True
        flagged.font.highlight_color = WD_COLOR_INDEX.YELLOW
    for link in node.links:
        case = link.case
        title = document.add_paragraph(style="List Bullet")
        _hyperlink(title, case_url(case.slug), case.title)
        organizations = ", ".join(o.name for o in case.organizations)
        if organizations:
            title.add_run(f" – {organizations}")
        document.add_paragraph(gettext("Why: %(text)s", text=link.rationale), style="List Bullet 2")
        for result in case.results[:KEY_RESULTS]:
            document.add_paragraph(_result_line(result), style="List Bullet 2")
    for child in node.children:
        _goal(document, child, case_url)


def _set_language(document, language: str) -> None:
    """The proofing and reading language of every style (docDefaults), e.g. nb-NO."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    properties = run_defaults.find(qn("w:rPr")) if run_defaults is not None else None
    if properties is None:
        properties = document.styles["Normal"].element.get_or_add_rPr()
    lang = properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        properties.append(lang)
    lang.set(qn("w:val"), language)
    lang.set(qn("w:eastAsia"), language)


def coverage_by_level(view: StrategyView) -> list[tuple[str, int, int]]:
    """For each level of goals, in order ("Delmål", "Område" …): how many have cases."""
    levels: dict[str, list[int]] = {}
    for node in view.walk():
        counts = levels.setdefault(node.goal.kind, [0, 0])
        counts[0] += 1 if node.has_evidence or node.cases_below else 0
        counts[1] += 1
    return [(kind, covered, total) for kind, (covered, total) in levels.items()]


def strategy_docx(
    view: StrategyView, *, strategy_url: str, case_url: Callable[[str], str]
) -> bytes:
    """The whole strategy as .docx bytes, in the current interface language."""
    strategy = view.strategy
    document = Document()
    document.core_properties.title = strategy.title
    document.core_properties.author = strategy.organization.name
    language = "en-GB" if current_language() == "en" else "nb-NO"
    document.core_properties.language = language
    _set_language(document, language)
    for section in document.sections:  # A4 with 2.5 cm margins, not US Letter
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin = section.bottom_margin = Mm(25)
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(strategy.title, level=0)
    meta = f"{strategy.organization.name} · {gettext('Period')} {strategy.period_from}–{strategy.period_to} · {STRATEGY_STATUS[strategy.status]}"  # noqa: E501
    if strategy.is_adopted and strategy.adopted_on:
        meta += " " + gettext(
            "by %(body)s on %(day)s",
            body=strategy.adopted_by or "",
            day=format_day(strategy.adopted_on),
        )
    document.add_paragraph(meta)
    source = document.add_paragraph(gettext("Online version") + ": ")
    _hyperlink(source, strategy_url, strategy_url)
    if strategy.vision:
        document.add_heading(gettext("Vision and main goal"), level=1)
        document.add_paragraph(strategy.vision)
    if strategy.summary:
        document.add_paragraph(strategy.summary)
    document.add_heading(gettext("Evidence coverage"), level=1)
    document.add_paragraph(coverage_sentence(view))
    levels = coverage_by_level(view)
    if levels:
        described = "; ".join(
            gettext("%(level)s: %(covered)s of %(total)s with cases", level=kind,
                    covered=covered, total=total)
            for kind, covered, total in levels
        )  # fmt: skip
        _picture(document, coverage_png(levels), described)
    for node in view.walk():
        label, flagged = evidence_label(node)
        line = document.add_paragraph(style="List Bullet")
        line.add_run(f"{node.goal.heading}: ")
        run = line.add_run(label)
        if flagged:
            run.font.color.rgb = RGBColor(0xA0, 0x1C, 0x1C)
    document.add_heading(gettext("Goals"), level=1)
    for node in view.tree:
        _goal(document, node, case_url)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
