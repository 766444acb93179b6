"""Image uploads through Pillow: verify, refuse bombs and disguised files, orient, strip
metadata, re-encode and make the web sizes. The original is kept privately."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
WEB_WIDTHS = (480, 960, 1600)
# 40 megapixels: any real photo of a procurement; a 10 000 × 10 000 "bomb" is 100.
MAX_PIXELS = 40_000_000


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
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected("too_large")
            probe.verify()  # structure check; the object is unusable afterwards
            image = Image.open(io.BytesIO(data))
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected("too_large") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageRejected("not_an_image") from error
    return image


def store_upload(data: bytes, root: Path) -> StoredImage:
    """Check and store an uploaded image; raises ImageRejected with a reason code."""
    image = _open_checked(data)
    original_format = image.format
    image = ImageOps.exif_transpose(image)  # apply the camera's orientation, then forget it
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    key = secrets.token_hex(16)
    originals = root / "originals"
    public = root / "public"
    originals.mkdir(parents=True, exist_ok=True)
    public.mkdir(parents=True, exist_ok=True)
    (originals / f"{key}.{ALLOWED_FORMATS[original_format]}").write_bytes(data)
    flat = image.convert("RGB") if image.mode == "RGBA" else image
    for width in WEB_WIDTHS:
        copy = flat.copy()
        if copy.width > width:
            copy.thumbnail((width, width * 10), Image.Resampling.LANCZOS)
        # A fresh encode writes no EXIF, GPS or other metadata.
        copy.save(public / f"{key}-{width}.jpg", "JPEG", quality=85, optimize=True)
    return StoredImage(key=key, width=image.width, height=image.height)
