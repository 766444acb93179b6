"""Uploading and serving case images."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    send_from_directory,
    url_for,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts.models import Role
from portal.cases.models import Case, CaseStatus, Image
from portal.cases.services import can_edit_case, can_view_unpublished
from portal.extensions import db
from portal.media import services
from portal.media.processing import WEB_WIDTHS, ImageRejected
from portal.security import role_required

bp = Blueprint("media", __name__)

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


def media_root() -> Path:
    return Path(current_app.config.get("MEDIA_DIR") or Path(current_app.instance_path) / "media")


def _editable_case(slug: str) -> Case:
    case = db.session.scalars(select(Case).where(Case.slug == slug)).first()
    if case is None or not can_view_unpublished(current_user, case):
        abort(404)
    # Images of a published case would go live unreviewed; they change only before publishing.
    if not can_edit_case(current_user, case):
        abort(403)
    if case.status is CaseStatus.PUBLISHED and not current_user.has_role(Role.EDITOR):
        abort(403)
    return case


@bp.post("/eksempler/<slug>/bilder")
@login_required
@role_required(Role.CONTRIBUTOR, Role.EDITOR)
def upload(slug: str) -> Response:
    """Add an image to a draft."""
    case = _editable_case(slug)
    form = ImageForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(str(errors[0]), "error")
        return redirect(url_for("authoring.edit_case", slug=slug) + "#bilder")
    try:
        services.add_image(
            case=case,
            data=form.image.data.read(),
            alt_text=form.alt_text.data,
            credit=form.credit.data,
            root=media_root(),
        )
    except ImageRejected as rejected:
        db.session.rollback()
        flash(str(REJECTIONS[str(rejected)]), "error")
        return redirect(url_for("authoring.edit_case", slug=slug) + "#bilder")
    db.session.commit()
    flash(gettext("The image was added."), "success")
    return redirect(url_for("authoring.edit_case", slug=slug) + "#bilder")


@bp.post("/eksempler/<slug>/bilder/<int:image_id>/<operation>")
@login_required
@role_required(Role.CONTRIBUTOR, Role.EDITOR)
def change(slug: str, image_id: int, operation: str) -> Response:
    """Move an image up or down, make it the cover, or remove it."""
    case = _editable_case(slug)
    image = db.session.get(Image, image_id)
    if image is None or image.case_id != case.id:
        abort(404)
    if operation == "opp":
        services.move_image(image=image, offset=-1)
    elif operation == "ned":
        services.move_image(image=image, offset=1)
    elif operation == "forside":
        services.set_cover(image=image)
    elif operation == "slett":
        services.remove_image(image=image, root=media_root())
    else:
        abort(404)
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
    case = image.case
    if case.status is not CaseStatus.PUBLISHED and not can_view_unpublished(current_user, case):
        abort(404)
    response = send_from_directory(media_root() / "public", f"{key}-{width}.jpg")
    response.headers["X-Content-Type-Options"] = "nosniff"
    if case.status is not CaseStatus.PUBLISHED:
        response.headers["Cache-Control"] = "private, no-store"
    return response
