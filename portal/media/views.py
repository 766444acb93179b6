"""Uploading and serving case images."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts.models import Role
from portal.cases import permissions
from portal.cases.models import Case, Image
from portal.extensions import db
from portal.media import services
from portal.media.processing import WEB_WIDTHS, ImageRejected
from portal.media.storage import media_store
from portal.notifications.services import notify_case_event
from portal.security import role_required
from portal.translating import lazy_gettext as _l

bp = Blueprint("media", __name__)

OPERATIONS = {"opp": "up", "ned": "down", "forside": "cover", "slett": "remove"}

REJECTIONS = {
    "format": _l("Only JPEG, PNG and WebP images can be uploaded."),
    "too_large": _l("The image has too many pixels. Make it smaller and try again."),
    "not_an_image": _l("The file is not an image we can read (JPEG, PNG or WebP)."),
}


class ImageForm(FlaskForm):
    image = FileField(_l("Image file"), validators=[FileRequired(_l("Choose an image file."))])
    alt_text = StringField(
        _l("Alternative text"),
        validators=[DataRequired(_l("Describe the image for those who cannot see it.")),
                    Length(max=300)],
    )  # fmt: skip
    credit = StringField(_l("Photo credit"), validators=[Optional(), Length(max=200)])


def _editable_case(slug: str) -> Case:
    case = db.session.scalars(select(Case).where(Case.slug == slug)).first()
    if case is None or not permissions.can_view(current_user, case):
        abort(404)
    if not permissions.can_edit(current_user, case):
        abort(403)
    return case


def _tell_editors_of_change(case: Case) -> None:
    if permissions.edits_need_approval(current_user, case):
        notify_case_event(
            case=case,
            action="propose_change",
            actor=current_user,
            comment="",
            url=url_for("editorial.review", slug=case.slug, _external=True),
        )


@bp.post("/eksempler/<slug>/bilder")
@login_required
@role_required(Role.CONTRIBUTOR, Role.EDITOR)
def upload(slug: str) -> Response:
    """Add an image (on a published case, as part of the author's change for the editors)."""
    case = _editable_case(slug)
    form = ImageForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(str(errors[0]), "error")
        return redirect(url_for("authoring.edit_case", slug=slug) + "#bilder")
    try:
        services.add_image(
            case=case,
            author=current_user,
            data=form.image.data.read(),
            alt_text=form.alt_text.data,
            credit=form.credit.data,
            store=media_store(),
        )
    except ImageRejected as rejected:
        db.session.rollback()
        flash(str(REJECTIONS[str(rejected)]), "error")
        return redirect(url_for("authoring.edit_case", slug=slug) + "#bilder")
    _tell_editors_of_change(case)
    db.session.commit()
    if permissions.edits_need_approval(current_user, case):
        flash(gettext("The image was added to your change for the editors."), "success")
    else:
        flash(gettext("The image was added."), "success")
    return redirect(url_for("authoring.edit_case", slug=slug) + "#bilder")


@bp.post("/eksempler/<slug>/bilder/<int:image_id>/<operation>")
@login_required
@role_required(Role.CONTRIBUTOR, Role.EDITOR)
def change(slug: str, image_id: int, operation: str) -> Response:
    """Move an image up or down, make it the cover, or remove it (on a published case, as part
    of the author's change for the editors)."""
    case = _editable_case(slug)
    image = db.session.get(Image, image_id)
    if image is None or image.case_id != case.id:
        abort(404)
    if operation not in OPERATIONS:
        abort(404)
    services.change_image(
        image=image, author=current_user, operation=OPERATIONS[operation], store=media_store()
    )
    _tell_editors_of_change(case)
    db.session.commit()
    return redirect(url_for("authoring.edit_case", slug=slug) + "#bilder")


@bp.get("/bilder/<key>-<int:width>.jpg")
def serve(key: str, width: int) -> Response:
    """A web size of an image, only where its case may be seen."""
    if width not in WEB_WIDTHS or not key.isalnum():
        abort(404)
    image = db.session.scalars(select(Image).where(Image.storage_key == key)).first()
    if image is None:
        abort(404)
    if not permissions.can_view_image(current_user, image):
        abort(404)
    response = media_store().send(f"public/{key}-{width}.jpg")
    response.headers["X-Content-Type-Options"] = "nosniff"
    if not permissions.is_public_image(image):
        response.headers["Cache-Control"] = "private, no-store"
    return response
