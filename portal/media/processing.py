"""Image uploads through Pillow: verify, refuse bombs and disguised files, orient, strip
metadata, re-encode and make the web sizes. The original is kept privately."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from portal.media.storage import MediaStore

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
WEB_WIDTHS = (480, 960, 1600)
# The web sizes need at most 1600 pixels across. A JPEG is decoded scaled down (DCT scaling,
# `draft`), so a 50-megapixel camera photo costs what a 12-megapixel one does; PNG and WebP are
# decoded whole, so they are held to 24 megapixels. Either way an upload stays under 200 MB.
MAX_JPEG_PIXELS = 50_000_000
MAX_PIXELS = 24_000_000


class ImageRejected(ValueError):
    """The upload is not an image we accept; the message is for the person uploading."""


@dataclass
class StoredImage:
    key: str
    width: int
    height: int


def _open_checked(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise ImageRejected("format")
            limit = MAX_JPEG_PIXELS if probe.format == "JPEG" else MAX_PIXELS
            if probe.width * probe.height > limit:
                raise ImageRejected("too_large")
            probe.verify()  # structure check; the object is unusable afterwards
            image = Image.open(io.BytesIO(data))
            if image.format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale, never below what the largest web size needs.
                largest = max(WEB_WIDTHS)
                image.draft("RGB", (largest, largest))
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected("too_large") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageRejected("not_an_image") from error
    return image


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def store_upload(data: bytes, store: MediaStore) -> StoredImage:
    """Check and store an uploaded image; raises ImageRejected with a reason code."""
    image = _open_checked(data)
    original_format = image.format
    ImageOps.exif_transpose(image, in_place=True)  # the camera's orientation, then forget it
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    key = secrets.token_hex(16)
    store.write(f"originals/{key}.{ALLOWED_FORMATS[original_format]}", data)
    flat = image.convert("RGB") if image.mode == "RGBA" else image
    del image
    width, height = _oriented_size(data)
    source = flat
    for target in sorted(WEB_WIDTHS, reverse=True):
        # Each size from the next larger one: no full-size copy per size.
        if source.width > target:
            size = (target, max(1, round(source.height * target / source.width)))
            source = source.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        # A fresh encode writes no EXIF, GPS or other metadata.
        store.write(f"public/{key}-{target}.jpg", _jpeg(source))
    return StoredImage(key=key, width=width, height=height)


def _oriented_size(data: bytes) -> tuple[int, int]:
    """The photo's full size the right way up (the decoded copy may be scaled down)."""
    with Image.open(io.BytesIO(data)) as probe:
        width, height = probe.size
        if probe.getexif().get(0x0112) in (5, 6, 7, 8):  # orientations that turn it sideways
            return height, width
    return width, height
