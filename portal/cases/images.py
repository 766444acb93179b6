"""A case's images as a revision records them: applying a list of entries, dropping images of
a declined change. File deletions wait for the commit (portal.media.storage)."""

from __future__ import annotations

from typing import Any

from portal.cases.models import Case, Image
from portal.extensions import db
from portal.media import storage
from portal.media.storage import MediaStore


def apply_entries(case: Case, entries: list[dict[str, Any]], store: MediaStore) -> None:
    """Make the case's images exactly these, in this order: texts, cover and visibility from
    the entries; any other image of the case is removed (its files once that is committed)."""
    by_key = {image.storage_key: image for image in case.images}
    wanted = [e for e in entries if e["key"] in by_key]
    for position, entry in enumerate(wanted):
        image = by_key.pop(entry["key"])
        image.position = position
        image.alt_text = entry.get("alt_text") or image.alt_text
        image.credit = entry.get("credit")
        image.is_cover = bool(entry.get("cover"))
        image.is_pending = False
    if wanted and not any(e.get("cover") for e in wanted):
        next(i for i in case.images if i.storage_key == wanted[0]["key"]).is_cover = True
    for image in by_key.values():
        remove_image(image, store)
    db.session.flush()


def drop_pending(case: Case, store: MediaStore) -> None:
    """Remove the images uploaded for a change that was declined."""
    for image in [i for i in case.images if i.is_pending]:
        remove_image(image, store)
    db.session.flush()


def remove_image(image: Image, store: MediaStore) -> None:
    storage.delete_on_commit(db.session, store, image.storage_key)
    image.case.images.remove(image)  # delete-orphan: the row goes at the next flush
