"""The signed-in user's own page: name, organisation, roles, mail preferences, password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response

from portal.accounts import services
from portal.accounts.forms import ChangePasswordForm, ProfileForm
from portal.extensions import db
from portal.following.services import count_subscriptions

bp = Blueprint("profile", __name__, url_prefix="/profil")


def _page(profile: ProfileForm, password: ChangePasswordForm, status: int = 200):
    return render_template(
        "accounts/profile.html",
        profile=profile,
        password=password,
        following=count_subscriptions(current_user),
    ), status


@bp.get("/")
@login_required
def show() -> tuple[str, int]:
    """The profile with its two forms."""
    profile = ProfileForm(obj=current_user, prefix="profile")
    return _page(profile, ChangePasswordForm(prefix="password"))


@bp.post("/")
@login_required
def update() -> Response | tuple[str, int]:
    profile = ProfileForm(prefix="profile")
    if not profile.validate_on_submit():
        return _page(profile, ChangePasswordForm(formdata=None, prefix="password"), 400)
    services.update_profile(
        user=current_user,
        name=profile.name.data,
        mails_notifications=profile.mails_notifications.data,
        mails_digests=profile.mails_digests.data,
    )
    db.session.commit()
    flash(gettext("Your profile is saved."), "success")
    return redirect(url_for("profile.show"))


@bp.post("/passord")
@login_required
def change_password() -> Response | tuple[str, int]:
    """A new password: the current one is required; every other session ends, this one stays."""
    profile = ProfileForm(formdata=None, obj=current_user, prefix="profile")
    password = ChangePasswordForm(prefix="password")
    if not password.validate_on_submit():
        return _page(profile, password, 400)
    try:
        services.change_password(
            user=current_user,
            current=password.current.data,
            new=password.password.data,
            address=request.remote_addr or "",
        )
    except services.Throttled:
        db.session.commit()  # the attempts count
        password.current.errors.append(gettext("Too many attempts. Wait a while and try again."))
        return _page(profile, password, 429)
    except services.AccountError:
        db.session.commit()
        password.current.errors.append(gettext("The current password is not right."))
        return _page(profile, password, 400)
    user = current_user._get_current_object()
    db.session.commit()
    login_user(user)  # the new session version: this browser stays signed in
    flash(gettext("Your password is changed. You have been signed out everywhere else."),
          "success")  # fmt: skip
    return redirect(url_for("profile.show"))
