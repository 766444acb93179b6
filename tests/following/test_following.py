"""Following a search: double opt-in by address, at once when signed in, digests of what is
new and changed through the outbox, and leaving with one click (RFC 8058)."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy
from urllib.parse import urlsplit

from sqlalchemy import select, update

from portal.accounts.models import User
from portal.cases.models import Case, CaseStatus
from portal.cases.workflow import record
from portal.db import utcnow
from portal.extensions import db
from portal.following.models import Subscription
from portal.notifications.models import Notification
from portal.taxonomy.models import Term
from tests.cases.test_authoring import _form
from tests.cases.test_workflow import _act, _user, people  # noqa: F401  (fixture)
from tests.web import csrf_token

FOLLOW = "/abonnementer/ny?kategori=mobler"


def _follow(client, email: str | None = None, frequency: str = "weekly", path: str = FOLLOW,
            **extra):  # fmt: skip
    html = client.get(path).get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "frequency": frequency, **extra}
    if email is not None:
        data["email"] = email
    return client.post(path, data=data)


def _subscriptions(app) -> list[Subscription]:
    with app.app_context():
        rows = db.session.scalars(select(Subscription).order_by(Subscription.id)).all()
        db.session.expunge_all()
        return rows


def _mails(app, tmp_path) -> list:
    app.config.update(MAIL_SERVER=None, MAIL_DIR=str(tmp_path / "mail"))
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "mail").glob("*.eml"))
    return [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]


def _path(url: str) -> str:
    return urlsplit(url).path


def test_following_by_address_needs_the_mailed_confirmation(app, client, tmp_path):
    page = client.get(FOLLOW).get_data(as_text=True)
    assert "Møbler" in page  # the search in words
    response = _follow(client, "Innkjoper@Eksempel.no")
    assert response.status_code == 200
    assert "Sjekk e-posten din" in response.get_data(as_text=True)
    [subscription] = _subscriptions(app)
    assert subscription.email == "innkjoper@eksempel.no"
    assert subscription.query == "kategori=mobler" and not subscription.is_confirmed
    [mail] = _mails(app, tmp_path)
    assert mail["To"] == "innkjoper@eksempel.no"
    link = re.search(r"http\S+/abonnementer/bekreft/\S+", mail.get_content()).group(0)
    # Opening the link (as a mail scanner would) confirms nothing; pressing the button does.
    confirm_page = client.get(_path(link))
    assert confirm_page.status_code == 200
    assert not _subscriptions(app)[0].is_confirmed
    html = confirm_page.get_data(as_text=True)
    client.post(_path(link), data={"csrf_token": csrf_token(html)})
    assert _subscriptions(app)[0].is_confirmed
    assert client.get("/abonnementer/bekreft/forfalsket").status_code == 404


def test_a_robot_filling_the_hidden_field_is_thanked_and_nothing_is_sent(app, client):
    response = _follow(client, "robot@eksempel.no", website="http://spam.example")
    assert "Sjekk e-posten din" in response.get_data(as_text=True)
    assert _subscriptions(app) == []


def test_confirmation_mail_to_one_address_is_limited(app, client):
    for category in ("mobler", "ikt", "bygg-og-anlegg"):
        _follow(client, "offer@eksempel.no", path=f"/abonnementer/ny?kategori={category}")
    response = _follow(client, "offer@eksempel.no", path="/abonnementer/ny?kategori=tjenester")
    assert "For mange bekreftelser" in response.get_data(as_text=True)
    assert len(_subscriptions(app)) == 3
    with app.app_context():
        kinds = db.session.scalars(select(Notification.kind)).all()
    assert kinds == ["confirm_subscription"] * 3


def test_a_signed_in_user_follows_at_once_and_manages_the_list(app, people):
    author, editor = people
    response = _follow(
        author, frequency="daily", path="/abonnementer/ny?q=bonus+malus&fylke=Akershus"
    )
    assert response.status_code == 302
    [subscription] = _subscriptions(app)
    assert subscription.is_confirmed and subscription.frequency == "daily"
    assert subscription.query == "q=bonus+malus&fylke=Akershus"
    listing = author.get("/abonnementer/").get_data(as_text=True)
    assert "«bonus malus» · Fylke: Akershus" in listing
    # Someone else cannot change or end it.
    token = csrf_token(editor.get("/abonnementer/").get_data(as_text=True))
    assert editor.post(f"/abonnementer/{subscription.id}/slett",
                       data={"csrf_token": token}).status_code == 404  # fmt: skip
    token = csrf_token(listing)
    author.post(f"/abonnementer/{subscription.id}/hyppighet",
                data={"csrf_token": token, "frequency": "weekly"})  # fmt: skip
    assert _subscriptions(app)[0].frequency == "weekly"
    author.post(f"/abonnementer/{subscription.id}/slett", data={"csrf_token": token})
    assert _subscriptions(app) == []


def test_the_digest_lists_new_and_changed_matches_and_leaves_with_one_click(
    app, people, client, tmp_path
):
    author, editor = people
    _follow(author, path=FOLLOW)  # weekly, from now
    with app.app_context():
        furniture = db.session.scalar(select(Term.id).where(Term.slug == "mobler"))
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", action="submit",
                                            terms_category=[str(furniture)]))  # fmt: skip
    with app.app_context():
        new_slug = db.session.scalars(
            select(Case.slug).where(Case.title.startswith("Gjenbruk"))
        ).one()
    _act(editor, new_slug, "publish")
    with app.app_context():
        changed = db.session.scalars(
            select(Case).where(Case.slug == "asker-mobellager-og-rammeavtale-for-brukte-mobler")
        ).one()
        other = db.session.scalars(
            select(Case).where(~Case.terms.any(Term.slug == "mobler"))
        ).first()
        for case in (changed, other):  # an approved change to each
            record(case, actor=None, action="publish", from_status=CaseStatus.PUBLISHED)
        other_title = other.title
        db.session.commit()
    _mails(app, tmp_path)  # the editors' notices out of the way
    runner = app.test_cli_runner()
    assert "queued 0 digest(s)" in runner.invoke(args=["digests", "queue"]).output  # not due
    with app.app_context():
        db.session.execute(update(Subscription).values(covered_until=utcnow() - timedelta(days=7)))
        db.session.commit()
    result = runner.invoke(args=["digests", "queue"])
    assert "queued 1 digest(s)" in result.output, result.output
    digest = [m for m in _mails(app, tmp_path) if m["Subject"].startswith("2 nytt")]
    assert len(digest) == 1
    body = digest[0].get_content()
    assert body.index("Nye eksempler (1)") < body.index("Gjenbruk av kontorstoler i Asker")
    assert body.index("Endrede eksempler (1)") < body.index("Asker hentet brukte møbler")
    assert other_title not in body
    unsubscribe = digest[0]["List-Unsubscribe"].strip("<>")
    assert digest[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in body
    # Nothing new since: no second digest.
    assert "queued 0" in runner.invoke(args=["digests", "queue"]).output
    # The mail program's one-click POST carries no CSRF token; the signed link is enough.
    response = client.post(_path(unsubscribe), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert _subscriptions(app) == []


def test_digests_pause_when_the_user_turns_them_off(app, people):
    author, _editor = people
    _follow(author, path=FOLLOW)
    with app.app_context():
        db.session.execute(update(User).where(User.email == "forfatter@asker.kommune.no")
                           .values(mails_digests=False))  # fmt: skip
        case = db.session.scalars(select(Case).where(Case.terms.any(Term.slug == "mobler"))).first()
        record(case, actor=None, action="publish", from_status=CaseStatus.PUBLISHED)
        db.session.execute(update(Subscription).values(covered_until=utcnow() - timedelta(days=8)))
        db.session.commit()
    output = app.test_cli_runner().invoke(args=["digests", "queue"]).output
    assert "queued 0 digest(s)" in output
    assert "satt på pause i profilen din" in author.get("/abonnementer/").get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(Notification.id).where(Notification.kind == "digest")) is None
        )


def test_lists_link_their_follow_feed_and_download_addresses(client):
    page = client.get("/eksempler/?q=gjenbruk&kategori=mobler&side=1").get_data(as_text=True)
    for path in ("/abonnementer/ny?", "/eksempler/nye.atom?", "/eksempler/eksport.csv?",
                 "/eksempler/eksport.xlsx?"):  # fmt: skip
        assert re.search(re.escape(path) + r"q=gjenbruk&amp;kategori=mobler\"", page), path
    topic = client.get("/emner/kategori/mobler").get_data(as_text=True)
    assert 'href="/eksempler/nye.atom?kategori=mobler"' in topic
    assert 'href="/abonnementer/ny?kategori=mobler"' in topic
    organisation = client.get("/organisasjoner/asker-kommune").get_data(as_text=True)
    assert 'href="/eksempler/nye.atom?organisasjon=asker-kommune"' in organisation
