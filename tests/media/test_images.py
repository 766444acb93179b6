"""Image uploads with real files through Pillow, including hostile ones."""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image as PILImage
from sqlalchemy import select

from portal.cases.models import Case, Image
from portal.extensions import db
from tests.cases.test_authoring import _form, contributor  # noqa: F401  (fixture)


def _jpeg_with_gps_and_rotation() -> bytes:
    image = PILImage.new("RGB", (1200, 800), (30, 120, 200))
    exif = PILImage.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise when shown
    exif[0x8825] = {1: "N", 2: (59.0, 54.0, 0.0), 3: "E", 4: (10.0, 45.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    PILImage.new("1", (width, height)).save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.fixture
def draft(app, contributor):
    contributor.post("/eksempler/ny", data=_form(contributor, "/eksempler/ny"))
    with app.app_context():
        return db.session.scalars(select(Case.slug).where(Case.title.startswith("Gjenbruk"))).one()


def _upload(client, slug, data: bytes, filename="bilde.jpg", alt="Stoler på lager", credit="Ola"):
    html = client.get(f"/eksempler/{slug}/rediger").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return client.post(
        f"/eksempler/{slug}/bilder",
        data={"csrf_token": token, "alt_text": alt, "credit": credit,
              "image": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )  # fmt: skip


def _images(app, slug):
    with app.app_context():
        return db.session.scalars(
            select(Image).join(Case).where(Case.slug == slug).order_by(Image.position)
        ).all()


def test_a_photo_is_oriented_stripped_and_served_in_web_sizes(app, contributor, draft):
    response = _upload(contributor, draft, _jpeg_with_gps_and_rotation(), "../../etc/passwd.jpg")
    assert response.status_code == 302
    (image,) = _images(app, draft)
    assert (image.width, image.height) == (800, 1200)  # EXIF orientation applied
    assert image.alt_text == "Stoler på lager" and image.is_cover
    served = contributor.get(f"/bilder/{image.storage_key}-480.jpg")
    assert served.status_code == 200
    data = served.data
    served.close()
    web = PILImage.open(io.BytesIO(data))
    assert web.width == 480
    assert not web.getexif()  # no GPS, no orientation, nothing
    page = contributor.get(f"/eksempler/{draft}").get_data(as_text=True)
    assert "srcset=" in page and "Foto: Ola" in page
    # The name the browser sent is never used on disk.
    assert "passwd" not in image.storage_key


def test_images_of_drafts_are_not_served_to_others(app, contributor, draft):
    _upload(contributor, draft, _jpeg_with_gps_and_rotation())
    (image,) = _images(app, draft)
    assert app.test_client().get(f"/bilder/{image.storage_key}-480.jpg").status_code == 404


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "side.jpg", "ikke et bilde vi kan lese"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.jpg",
         "ikke et bilde vi kan lese"),
        (None, "bombe.png", "for mange piksler"),
    ],
)  # fmt: skip
def test_hostile_files_get_a_clear_message_and_store_nothing(
    app,
    contributor,
    draft,
    data,
    filename,
    message,
):
    if data is None:
        data = _png(10_000, 10_000)
        assert len(data) < 100_000  # a few KB that would decode to 100 megapixels
    response = _upload(contributor, draft, data, filename)
    assert response.status_code == 302
    page = contributor.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    assert _images(app, draft) == []
    media = app.instance_path + "/media/originals"
    assert not os.path.exists(media) or os.listdir(media) == []


def test_a_30_mb_upload_gets_413_with_a_readable_page(contributor, draft):
    boundary = "grense"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="stor.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + b"\xff" * (30 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = contributor.post(
        f"/eksempler/{draft}/bilder",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert "Filen er for stor." in response.get_data(as_text=True)


def test_alt_text_is_required_and_escaped(app, contributor, draft):
    response = _upload(contributor, draft, _jpeg_with_gps_and_rotation(), alt="")
    page = contributor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Beskriv bildet" in page
    assert _images(app, draft) == []
    _upload(contributor, draft, _jpeg_with_gps_and_rotation(), alt='"><script>alert(1)</script>')
    page = contributor.get(f"/eksempler/{draft}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


def test_ordering_and_cover(app, contributor, draft):
    for alt in ("Første", "Andre"):
        _upload(contributor, draft, _jpeg_with_gps_and_rotation(), alt=alt)
    first, second = _images(app, draft)
    html = contributor.get(f"/eksempler/{draft}/rediger").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    contributor.post(f"/eksempler/{draft}/bilder/{second.id}/opp", data={"csrf_token": token})
    contributor.post(f"/eksempler/{draft}/bilder/{second.id}/forside", data={"csrf_token": token})
    images = _images(app, draft)
    assert [i.alt_text for i in images] == ["Andre", "Første"]
    assert [i.is_cover for i in images] == [True, False]
    contributor.post(f"/eksempler/{draft}/bilder/{second.id}/slett", data={"csrf_token": token})
    (left,) = _images(app, draft)
    assert left.alt_text == "Første" and left.is_cover
