"""Administration of users, roles and organizations (admins only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.accounts import services
from portal.accounts.models import Role, User
from portal.cases.services import slugify
from portal.db import norwegian_order
from portal.extensions import db
from portal.notifications import outbox
from portal.organizations.models import Organization, OrganizationType
from portal.security import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _organization(slug: str | None) -> Organization | None:
    if not slug:
        return None
    org = db.session.scalars(select(Organization).where(Organization.slug == slug)).first()
    if org is None:
        abort(400)
    return org


def _roles_from_form() -> set[Role]:
    return {Role(r) for r in request.form.getlist("roles") if r in {str(x) for x in Role}}


@bp.get("/")
@login_required
@role_required(Role.ADMIN)
def overview() -> str:
    """Users with their roles and organizations; organizations; an invitation form."""
    users = db.session.scalars(
        select(User).options(selectinload(User.role_rows)).order_by(User.email)
    ).all()
    organizations = db.session.scalars(
        select(Organization).order_by(norwegian_order(Organization.name))
    ).all()
    return render_template(
        "admin/overview.html", users=users, organizations=organizations, roles=list(Role),
        types=list(OrganizationType), mail=outbox.status(),
    )  # fmt: skip


@bp.post("/brukere/<int:user_id>")
@login_required
@role_required(Role.ADMIN)
def update_user(user_id: int) -> Response:
    """Save one user's roles, organization and access."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    roles = _roles_from_form()
    active = request.form.get("active") == "on"
    if user.id == current_user.id and (Role.ADMIN not in roles or not active):
        flash(gettext("You cannot remove your own admin access."), "error")
        return redirect(url_for("admin.overview"))
    services.update_user(
        user=user, roles=roles, organization=_organization(request.form.get("organization")),
        is_active=active,
    )  # fmt: skip
    db.session.commit()
    flash(gettext("Saved %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.overview"))


@bp.post("/invitasjoner")
@login_required
@role_required(Role.ADMIN)
def invite() -> Response:
    """Create a user without a password and send an invitation link."""
    try:
        user, _link = services.invite_user(
            email=request.form.get("email", ""),
            name=request.form.get("name", ""),
            roles=_roles_from_form(),
            organization=_organization(request.form.get("organization")),
            link_for=lambda token: url_for(
                "accounts.set_new_password", purpose="invitasjon", token=token, _external=True
            ),
        )
    except services.AccountError:
        db.session.rollback()
        flash(gettext("Could not invite: check the e-mail address, or whether the user "
                      "exists already."), "error")  # fmt: skip
        return redirect(url_for("admin.overview"))
    db.session.commit()
    flash(gettext("Invitation queued for %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.overview"))


@bp.post("/organisasjoner")
@login_required
@role_required(Role.ADMIN)
def add_organization() -> Response:
    """Add an organization."""
    name = request.form.get("name", "").strip()
    org_type = request.form.get("org_type", "")
    if not name or org_type not in {str(t) for t in OrganizationType}:
        flash(gettext("Give the organisation a name and a type."), "error")
        return redirect(url_for("admin.overview"))
    slug = slugify(name)
    if db.session.scalar(select(Organization.id).where(Organization.slug == slug)):
        flash(gettext("That organisation exists already."), "error")
        return redirect(url_for("admin.overview"))
    db.session.add(Organization(slug=slug, name=name[:200], org_type=OrganizationType(org_type),
                                county=request.form.get("county") or None))  # fmt: skip
    db.session.commit()
    flash(gettext("Added %(name)s.", name=name), "success")
    return redirect(url_for("admin.overview"))
