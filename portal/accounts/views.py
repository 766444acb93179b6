"""Signing in and out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal.accounts import services
from portal.accounts.forms import LoginForm
from portal.extensions import db
from portal.urls import safe_next_url

bp = Blueprint("accounts", __name__)


@bp.route("/logg-inn", methods=["GET", "POST"])
def login() -> str | Response:
    """The sign-in page."""
    if current_user.is_authenticated:
        return redirect(safe_next_url(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                email=form.email.data,
                password=form.password.data,
                address=request.remote_addr or "unknown",
            )
        except services.Throttled:
            user, status = None, 429
            error = gettext("Too many failed attempts. Wait a quarter of an hour and try again.")
        db.session.commit()  # the attempt is recorded whatever the outcome
        if user is not None:
            login_user(user)
            flash(gettext("You are signed in."), "success")
            return redirect(safe_next_url(form.next.data))
        if error is None:
            error, status = gettext("Wrong e-mail address or password."), 400
    elif form.is_submitted():
        status = 400
    return render_template("accounts/login.html", form=form, error=error), status


@bp.post("/logg-ut")
def logout() -> Response:
    """Sign out of this browser."""
    logout_user()
    flash(gettext("You are signed out."), "success")
    return redirect(url_for("pages.home"))
