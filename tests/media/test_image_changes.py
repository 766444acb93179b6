"""Images on a published case change through the editors, and image files follow the
database: written files go when the transaction does not commit, removed files only once the
removal is committed."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.cases.models import Case, Image
from portal.extensions import db
from portal.media import services, storage
from tests.cases.test_workflow import _user, people  # noqa: F401  (fixture)
from tests.media.test_images import _images, _jpeg_with_gps_and_rotation, _upload
from tests.web import csrf_token

PUBLISHED = "sirkula-avtaleforvalter-sparte-4-4-millioner"


def _files(app, key: str) -> list[str]:
    with app.app_context():
        return storage.media_store().names_of(key)


def _decide(editor, decision: str, comment: str = ""):
    html = editor.get(f"/redaksjon/eksempler/{PUBLISHED}").get_data(as_text=True)
    return editor.post(
        f"/redaksjon/eksempler/{PUBLISHED}/endring/{decision}",
        data={"csrf_token": csrf_token(html), "comment": comment},
    )


def _change(client, image_id: int, operation: str):
    html = client.get(f"/eksempler/{PUBLISHED}/rediger").get_data(as_text=True)
    return client.post(
        f"/eksempler/{PUBLISHED}/bilder/{image_id}/{operation}",
        data={"csrf_token": csrf_token(html)},
    )


def test_an_image_added_to_a_published_case_waits_for_the_editors(app, people):
    _, editor = people
    sirkula = _user(app, "sirkula@sirkula.no", {Role.CONTRIBUTOR}, org="sirkula")
    assert 'id="bilder"' in sirkula.get(f"/eksempler/{PUBLISHED}/rediger").get_data(as_text=True)
    assert _upload(sirkula, PUBLISHED, _jpeg_with_gps_and_rotation(), alt="Ny sorteringslinje")
    (image,) = _images(app, PUBLISHED)
    assert image.is_pending
    public = app.test_client()
    assert "Ny sorteringslinje" not in public.get(f"/eksempler/{PUBLISHED}").get_data(as_text=True)
    assert public.get(f"/bilder/{image.storage_key}-480.jpg").status_code == 404
    own = sirkula.get(f"/bilder/{image.storage_key}-480.jpg")
    assert own.status_code == 200 and "no-store" in own.headers["Cache-Control"]
    own.close()
    edit = sirkula.get(f"/eksempler/{PUBLISHED}/rediger").get_data(as_text=True)
    assert "Ny sorteringslinje" in edit and "Nytt, ikke godkjent ennå" in edit

    review = editor.get(f"/redaksjon/eksempler/{PUBLISHED}").get_data(as_text=True)
    pending = re.sub(r"<[^>]+>|\s+", " ", review.split('id="pending-heading"', 1)[1])
    assert re.search(r"Bilder \+ Lagt til: Ny sorteringslinje", re.sub(r"\s+", " ", pending))
    queue = editor.get("/redaksjon/").get_data(as_text=True)
    assert "Sirkulas avtaleforvalter" in queue

    _decide(editor, "godkjenn")
    (image,) = _images(app, PUBLISHED)
    assert not image.is_pending and image.is_cover
    page = public.get(f"/eksempler/{PUBLISHED}").get_data(as_text=True)
    assert 'alt="Ny sorteringslinje"' in page
    served = public.get(f"/bilder/{image.storage_key}-480.jpg")
    assert served.status_code == 200 and "no-store" not in served.headers.get("Cache-Control", "")
    served.close()


def test_a_declined_image_is_deleted_with_its_files(app, people):
    _, editor = people
    sirkula = _user(app, "sirkula@sirkula.no", {Role.CONTRIBUTOR}, org="sirkula")
    _upload(sirkula, PUBLISHED, _jpeg_with_gps_and_rotation(), alt="Uskarpt bilde")
    (image,) = _images(app, PUBLISHED)
    assert len(_files(app, image.storage_key)) == 4  # the original and three web sizes
    _decide(editor, "avvis", "Bildet er for uskarpt.")
    assert _images(app, PUBLISHED) == []
    assert _files(app, image.storage_key) == []


def test_removing_a_published_image_waits_for_approval(app, people):
    _, editor = people
    _upload(editor, PUBLISHED, _jpeg_with_gps_and_rotation(), alt="Gammel hall")  # at once
    (image,) = _images(app, PUBLISHED)
    assert not image.is_pending
    sirkula = _user(app, "sirkula@sirkula.no", {Role.CONTRIBUTOR}, org="sirkula")
    _change(sirkula, image.id, "slett")
    public = app.test_client()
    assert 'alt="Gammel hall"' in public.get(f"/eksempler/{PUBLISHED}").get_data(as_text=True)
    assert len(_files(app, image.storage_key)) == 4
    edit = sirkula.get(f"/eksempler/{PUBLISHED}/rediger").get_data(as_text=True)
    assert "Gammel hall" not in edit.split('id="bilder"', 1)[1]  # gone from the proposal
    review = editor.get(f"/redaksjon/eksempler/{PUBLISHED}").get_data(as_text=True)
    pending = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", review.split('id="pending-heading"')[1]))
    assert "Bilder − Fjernet: Gammel hall" in pending
    _decide(editor, "godkjenn")
    assert 'alt="Gammel hall"' not in public.get(f"/eksempler/{PUBLISHED}").get_data(as_text=True)
    assert _images(app, PUBLISHED) == [] and _files(app, image.storage_key) == []


def _editor_adds_an_image() -> tuple[User, storage.MediaStore, Image]:
    """The editor adds an image to the published case (not committed yet)."""
    case = db.session.scalars(select(Case).where(Case.slug == PUBLISHED)).one()
    editor = db.session.scalars(select(User).where(User.email == "redaktor@dfo.no")).one()
    store = storage.media_store()
    image = services.add_image(case=case, author=editor, data=_jpeg_with_gps_and_rotation(),
                               alt_text="Bilde", credit=None, store=store)  # fmt: skip
    return editor, store, image


def test_uploaded_files_are_removed_when_the_transaction_rolls_back(app, people):
    with app.app_context():
        editor, store, image = _editor_adds_an_image()
        key = image.storage_key
        assert len(store.names_of(key)) == 4
        db.session.rollback()  # e.g. a later step of the request failed
        assert store.names_of(key) == []
        assert db.session.scalars(select(Image).where(Image.storage_key == key)).first() is None


def test_removed_files_stay_until_the_removal_is_committed(app, people):
    with app.app_context():
        editor, store, image = _editor_adds_an_image()
        db.session.commit()
        key = image.storage_key
        services.change_image(image=image, author=editor, operation="remove", store=store)
        db.session.rollback()  # the removal failed: the image and its files are still there
        assert len(store.names_of(key)) == 4
        image = db.session.scalars(select(Image).where(Image.storage_key == key)).one()
        services.change_image(image=image, author=editor, operation="remove", store=store)
        assert len(store.names_of(key)) == 4  # not before the commit
        db.session.commit()
        assert store.names_of(key) == []
