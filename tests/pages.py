"""Every page of the portal, as each kind of visitor reaches it: the list the layout, HTML and
accessibility checks walk. New pages belong here."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.cases.models import Case, CaseResult, CaseStatus, ProcurementStatus
from portal.cases.services import CaseData, create_draft
from portal.cases.workflow import transition
from portal.extensions import db
from portal.strategies.models import Action, Indicator, Strategy, StrategyGoal
from tests.web import make_user


@dataclass(frozen=True)
class Visitor:
    role: str  # "anonymous" or a Role value
    email: str | None = None


VISITORS = {
    "anonymous": Visitor("anonymous"),
    "contributor": Visitor("contributor", "sider.bidrag@asker.kommune.no"),
    "editor": Visitor("editor", "sider.redaktor@dfo.no"),
    "strategy_author": Visitor("strategy_author", "sider.strategi@rauma.kommune.no"),
    "admin": Visitor("admin", "sider.admin@dfo.no"),
}
DRAFT_TITLE = "Sidesjekk: et utkast med et langt ord, Leverandørutviklingsprogrammet"
GONE_TITLE = "Sidesjekk: et avpublisert eksempel"


def prepare(app: Flask) -> None:
    """Accounts for every role, a draft and an unpublished case (idempotent)."""
    with app.app_context():
        if db.session.scalar(select(User.id).where(User.email == VISITORS["editor"].email)):
            return
    make_user(app, VISITORS["contributor"].email, {Role.CONTRIBUTOR}, "asker-kommune", "Siri Side")
    make_user(app, VISITORS["editor"].email, {Role.EDITOR}, None, "Eirik Redaktør")
    make_user(app, VISITORS["strategy_author"].email, {Role.STRATEGY_AUTHOR}, "rauma-kommune",
              "Stian Strategi")  # fmt: skip
    make_user(app, VISITORS["admin"].email, {Role.ADMIN}, None, "Ada Administrator")
    with app.app_context():
        author = db.session.scalars(
            select(User).where(User.email == VISITORS["contributor"].email)
        ).one()
        editor = db.session.scalars(
            select(User).where(User.email == VISITORS["editor"].email)
        ).one()
        data = CaseData(title=DRAFT_TITLE, summary="Et utkast som bare Asker ser.", year=2025,
                        procurement_status=ProcurementStatus.ONGOING)  # fmt: skip
        create_draft(author=author, data=data)
        gone = create_draft(author=author, data=CaseData(
            title=GONE_TITLE, summary="Publisert og så trukket.", year=2024,
            procurement_status=ProcurementStatus.COMPLETED))  # fmt: skip
        transition(case=gone, actor=author, action="submit")
        transition(case=gone, actor=editor, action="publish")
        transition(case=gone, actor=editor, action="unpublish", comment="Tallene var feil.")
        db.session.commit()


def paths(app: Flask) -> dict[str, list[str]]:
    """The pages each visitor checks (everyone's public pages are checked anonymously)."""
    with app.app_context():
        published = db.session.scalars(
            select(Case.slug).where(Case.status == CaseStatus.PUBLISHED).order_by(Case.id)
        ).all()
        with_results = db.session.scalars(
            select(Case.slug)
            .join(CaseResult)
            .where(Case.status == CaseStatus.PUBLISHED)
            .order_by(Case.id)
        ).first()
        draft = db.session.scalars(select(Case.slug).where(Case.title == DRAFT_TITLE)).one()
        gone = db.session.scalars(select(Case.slug).where(Case.title == GONE_TITLE)).one()
        rauma = db.session.scalars(
            select(Strategy).where(Strategy.organization.has(slug="rauma-kommune"))
        ).one()
        goal = db.session.scalars(
            select(StrategyGoal)
            .where(StrategyGoal.strategy_id == rauma.id)
            .order_by(StrategyGoal.id)
        ).first()
        action = db.session.scalars(
            select(Action).join(StrategyGoal).where(StrategyGoal.strategy_id == rauma.id)
        ).first()
        indicator = db.session.scalars(
            select(Indicator).join(StrategyGoal).where(StrategyGoal.strategy_id == rauma.id)
        ).first()
        other_strategy = db.session.scalars(
            select(Strategy.id).where(Strategy.id != rauma.id).order_by(Strategy.id)
        ).first()
    public = [
        "/", "/eksempler/", "/eksempler/?q=ombruk", "/eksempler/?q=qxzqxz",
        "/eksempler/?kategori=bygg-og-anlegg&sorter=year", f"/eksempler/{with_results}",
        f"/eksempler/{published[0]}", f"/eksempler/{gone}", "/strategier/",
        f"/strategier/{rauma.id}", f"/strategier/{other_strategy}",
        f"/strategier/{rauma.id}/utskrift", "/organisasjoner/", "/organisasjoner/bergen-kommune",
        "/emner/", "/emner/kategori/bygg-og-anlegg", "/logg-inn", "/glemt-passord",
        "/om", "/tilgjengelighet", "/personvern", "/finnes-ikke",
        "/statistikk", "/api/v1/docs", f"/eksempler/{with_results}/kontakt",
        "/abonnementer/ny?q=bonus+malus&kategori=bygg-og-anlegg", "/abonnementer/",
    ]  # fmt: skip
    return {
        "anonymous": public,
        "contributor": [
            "/mine-eksempler/",
            "/eksempler/ny",
            f"/eksempler/{draft}",
            f"/eksempler/{draft}/rediger",
            f"/eksempler/{draft}/slett",
            f"/eksempler/{published[0]}",
            "/varsler/",
            "/profil/",
            "/abonnementer/",
            "/abonnementer/ny?organisasjon=asker-kommune",
        ],  # fmt: skip
        "editor": [
            "/redaksjon/",
            "/redaksjon/?status=published",
            f"/redaksjon/eksempler/{published[0]}",
            f"/redaksjon/eksempler/{published[0]}/historikk",
            f"/eksempler/{published[0]}/rediger",
            f"/eksempler/{published[0]}",
        ],  # fmt: skip
        "strategy_author": [
            "/mine-strategier/",
            "/strategier/ny",
            f"/strategier/{rauma.id}/rediger",
            f"/strategier/{rauma.id}/mal/{goal.id}",
            f"/strategier/{rauma.id}/mal/ny",
            f"/strategier/{rauma.id}/tiltak/{action.id}" if action else "/mine-strategier/",
            f"/strategier/{rauma.id}/indikatorer/{indicator.id}"
            if indicator
            else "/mine-strategier/",
            f"/strategier/{rauma.id}/mal/{goal.id}/eksempler",
            f"/eksempler/{published[0]}/koble",
            f"/strategier/{rauma.id}",
        ],  # fmt: skip
        "admin": ["/admin/"],
    }
