"""Images of cases: adding, ordering, choosing the cover, removing. They flush, never commit.

On a draft, and for editors, a change applies to the case at once. An author's change to a
published case is a proposal: the new list of images is stored in a pending revision (new
uploads stay hidden) and the public page keeps its images until an editor approves.
"""

from __future__ import annotations

from typing import Any

from portal.accounts.models import User
from portal.cases import permissions, workflow
from portal.cases.images import apply_entries, remove_image
from portal.cases.models import Case, Image
from portal.extensions import db
from portal.media import storage
from portal.media.processing import store_upload
from portal.media.storage import MediaStore

NOTES = {
    "add": "Bilde lagt til",
    "up": "Bilde flyttet",
    "down": "Bilde flyttet",
    "cover": "Nytt forsidebilde",
    "remove": "Bilde fjernet",
}


def images_for_editing(case: Case, user: Any) -> list[tuple[Image, bool]]:
    """The images as the user is editing them, each with whether it is the cover."""
    if not permissions.edits_need_approval(user, case):
        return [(image, image.is_cover) for image in case.images if not image.is_pending]
    by_key = {image.storage_key: image for image in case.images}
    entries = workflow.working_content(case).get("images", [])
    return [(by_key[e["key"]], bool(e["cover"])) for e in entries if e["key"] in by_key]


def add_image(
    *, case: Case, author: User, data: bytes, alt_text: str, credit: str | None, store: MediaStore
) -> Image:
    """Check and store an upload, and put it after the case's other images."""
    stored = store_upload(data, store)
    storage.created(db.session, store, stored.key)
    proposing = permissions.edits_need_approval(author, case)
    live = [image for image in case.images if not image.is_pending]
    image = Image(
        case=case,
        storage_key=stored.key,
        alt_text=alt_text.strip(),
        credit=(credit or "").strip() or None,
        width=stored.width,
        height=stored.height,
        position=len(case.images),
        is_cover=not proposing and not live,
        is_pending=proposing,
    )
    db.session.add(image)
    db.session.flush()
    if proposing:
        content = workflow.working_content(case)
        entries = content.setdefault("images", [])
        entries.append({**image.as_entry(), "cover": not entries})
        workflow.propose_change(case=case, author=author, content=content, note=NOTES["add"])
    return image


def change_image(*, image: Image, author: User, operation: str, store: MediaStore) -> None:
    """Move an image up or down, make it the cover, or remove it ("up", "down", "cover",
    "remove")."""
    case = image.case
    if permissions.edits_need_approval(author, case):
        content = workflow.working_content(case)
        entries = content.setdefault("images", [])
        content["images"] = _changed(entries, image.storage_key, operation)
        if operation == "remove" and image.is_pending:
            remove_image(image, store)  # never public: its files can go with the proposal's entry
        workflow.propose_change(case=case, author=author, content=content, note=NOTES[operation])
        return
    entries = _changed(
        [i.as_entry() for i in case.images if not i.is_pending], image.storage_key, operation
    )
    if operation == "remove":
        remove_image(image, store)
    apply_entries(case, entries, store)


def _changed(entries: list[dict[str, Any]], key: str, operation: str) -> list[dict[str, Any]]:
    """The list of image entries after one operation on the image with this key."""
    entries = [dict(e) for e in entries]
    index = next((i for i, e in enumerate(entries) if e["key"] == key), None)
    if index is None:
        return entries
    if operation in ("up", "down"):
        target = max(0, min(len(entries) - 1, index + (-1 if operation == "up" else 1)))
        entries.insert(target, entries.pop(index))
    elif operation == "cover":
        for i, entry in enumerate(entries):
            entry["cover"] = i == index
    elif operation == "remove":
        was_cover = entries.pop(index)["cover"]
        if was_cover and entries:
            entries[0]["cover"] = True
    return entries
