"""Images of cases: adding, ordering, choosing the cover, removing. They flush, never commit."""

from __future__ import annotations

from pathlib import Path

from portal.cases.models import Case, Image
from portal.extensions import db
from portal.media.processing import store_upload


def add_image(*, case: Case, data: bytes, alt_text: str, credit: str | None, root: Path) -> Image:
    """Check and store an upload, and attach it after the case's other images."""
    stored = store_upload(data, root)
    image = Image(
        case=case,
        storage_key=stored.key,
        alt_text=alt_text.strip(),
        credit=(credit or "").strip() or None,
        width=stored.width,
        height=stored.height,
        position=len(case.images),
        is_cover=not case.images,
    )
    db.session.add(image)
    db.session.flush()
    return image


def move_image(*, image: Image, offset: int) -> None:
    images = list(image.case.images)
    index = images.index(image)
    target = max(0, min(len(images) - 1, index + offset))
    images.insert(target, images.pop(index))
    for position, item in enumerate(images):
        item.position = position
    db.session.flush()


def set_cover(*, image: Image) -> None:
    for item in image.case.images:
        item.is_cover = item is image
    db.session.flush()


def remove_image(*, image: Image, root: Path) -> None:
    case = image.case
    was_cover = image.is_cover
    key = image.storage_key
    db.session.delete(image)
    db.session.flush()
    remaining = [i for i in case.images if i is not image]
    for position, item in enumerate(remaining):
        item.position = position
    if was_cover and remaining:
        remaining[0].is_cover = True
    db.session.flush()
    for path in [*(root / "originals").glob(f"{key}.*"), *(root / "public").glob(f"{key}-*")]:
        path.unlink(missing_ok=True)
