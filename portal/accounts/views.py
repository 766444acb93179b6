"""Signing in and out."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.accounts import services
from portal.accounts.forms import ForgotPasswordForm, LoginForm, NewPasswordForm
from portal.accounts.models import User
from portal.accounts.tokens import make_token, user_for_token
from portal.extensions import db
from portal.logs import security_event
from portal.notifications.services import queue_account_mail
from portal.urls import safe_next_url

bp = Blueprint("accounts", __name__)


@bp.route("/logg-inn", methods=["GET", "POST"])
def login() -> str | Response | tuple:
    """The sign-in page."""
    if current_user.is_authenticated:
        return redirect(safe_next_url(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    status = 200
    retry_after = 0
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                email=form.email.data,
                password=form.password.data,
                address=request.remote_addr or "unknown",
            )
        except services.Throttled as throttled:
            user, status, retry_after = None, 429, throttled.retry_after
            minutes = max(1, -(-retry_after // 60))
            error = ngettext(
                "Too many failed attempts. Try again in %(num)d minute.",
                "Too many failed attempts. Try again in %(num)d minutes.",
                minutes,
            )
        db.session.commit()  # the attempt is recorded whatever the outcome
        if user is not None:
            login_user(user)
            flash(gettext("You are signed in."), "success")
            return redirect(safe_next_url(form.next.data))
        if error is None:
            error, status = gettext("Wrong e-mail address or password."), 400
    elif form.is_submitted():
        status = 400
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return render_template("accounts/login.html", form=form, error=error), status, headers


@bp.post("/logg-ut")
def logout() -> Response:
    """Sign out, here and in every other browser (the session version moves on)."""
    if current_user.is_authenticated:
        services.end_all_sessions(user=current_user)
        db.session.commit()
    logout_user()
    flash(gettext("You are signed out."), "success")
    return redirect(url_for("pages.home"))


@bp.route("/glemt-passord", methods=["GET", "POST"])
def forgot_password() -> str | Response:
    """Ask for a reset link; the answer is the same whether the address is known or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = db.session.scalars(
            select(User).where(User.email == services.normalise_email(form.email.data))
        ).first()
        security_event("password_reset_requested", email=form.email.data,
                       user_id=user.id if user is not None else None)  # fmt: skip
        if user is not None and user.is_active:
            link = url_for(
                "accounts.set_new_password",
                purpose="nullstill",
                token=make_token(user, "reset"),
                _external=True,
            )
            queue_account_mail(user=user, kind="password_reset", link=link)
            db.session.commit()
        flash(gettext("If the address belongs to an account, a link is on its way. "
                      "It works for one hour."), "success")  # fmt: skip
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/passord/<purpose>/<token>", methods=["GET", "POST"])
def set_new_password(purpose: str, token: str) -> str | Response:
    """Choose a password from an invitation or reset link."""
    kinds = {"nullstill": "reset", "invitasjon": "invite"}
    if purpose not in kinds:
        abort(404)
    user = user_for_token(token, kinds[purpose])
    if user is None:
        return render_template("accounts/link_invalid.html"), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        services.set_password(user=user, password=form.password.data)
        db.session.commit()
        login_user(user)
        flash(gettext("Your password is set and you are signed in."), "success")
        return redirect(url_for("pages.home"))
    status = 400 if form.errors else 200
    return render_template("accounts/new_password.html", form=form, user=user), status
