"""The question form of a published case."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.cases import permissions
from portal.contact import services
from portal.contact.forms import ContactForm
from portal.extensions import db

bp = Blueprint("contact", __name__)


@bp.route("/eksempler/<slug>/kontakt", methods=["GET", "POST"])
def ask(slug: str) -> Response | str | tuple[str, int]:
    """Ask the people behind a case; the message goes through the outbox."""
    case = permissions.case_for_viewer(slug, current_user)
    if not case.is_published:
        abort(404)
    site_address = current_app.config.get("CONTACT_EMAIL")
    kind, _users = services.answerer(case, site_address)
    if kind is services.Answerer.NOBODY:
        return render_template("contact/form.html", case=case, kind=kind, form=None)
    form = ContactForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.name.data, form.email.data = current_user.name, current_user.email
    if form.validate_on_submit():
        if form.website.data:
            # A robot: thanked like a person, nothing sent.
            return render_template("contact/sent.html", case=case, kind=kind)
        try:
            services.ask(
                case=case,
                name=form.name.data,
                email=form.email.data,
                message=form.message.data,
                sender_address=request.remote_addr or "",
                site_address=site_address,
            )
        except services.NoRecipient:
            db.session.rollback()
            return render_template("contact/form.html", case=case, kind=kind, form=None)
        except services.RateLimited:
            db.session.rollback()
            return render_template("contact/form.html", case=case, kind=kind, form=form,
                                   limited=True), 429  # fmt: skip
        db.session.commit()
        return render_template("contact/sent.html", case=case, kind=kind)
    status = 400 if form.errors else 200
    return render_template("contact/form.html", case=case, kind=kind, form=form), status
