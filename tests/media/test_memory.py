"""A large camera photo is processed within the memory a web worker can spare."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

LIMIT_MB = 200
# Runs in a fresh interpreter, so its peak resident memory is the upload's alone.
# /proc/self/clear_refs "5" resets the peak (VmHWM) to the present size, so the peak read after
# the upload is the upload's own, on top of what the worker already held.
MEASURE = """
import json, sys
from pathlib import Path
from portal.media.processing import store_upload
from portal.media.storage import FolderStore

def kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])

data = Path(sys.argv[1]).read_bytes()
Path("/proc/self/clear_refs").write_text("5")
before = kb("VmRSS")
stored = store_upload(data, FolderStore(Path(sys.argv[2])))
peak = kb("VmHWM") - before
print(json.dumps({"peak_mb": peak / 1024, "size": [stored.width, stored.height]}))
"""


def _photo(path: Path, size: tuple[int, int], fmt: str) -> None:
    image = Image.new("RGB", size, (90, 140, 60))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 97):  # some detail, so the encoder has work to do
        draw.line([(x, 0), (size[0] - x, size[1])], fill=(x % 255, 80, 200), width=9)
    image.save(path, fmt, quality=90) if fmt == "JPEG" else image.save(path, fmt)


@pytest.mark.parametrize(
    ("size", "fmt"),
    [((7200, 5400), "JPEG"), ((5400, 7200), "JPEG"), ((5600, 4200), "PNG")],
    ids=["39 MP JPEG", "39 MP JPEG portrait", "23.5 MP PNG"],
)
def test_peak_memory_of_one_upload_stays_under_the_limit(tmp_path, size, fmt):
    source = tmp_path / f"foto.{fmt.lower()}"
    _photo(source, size, fmt)
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(source), str(tmp_path / "media")],
        capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    measured = json.loads(out.stdout)
    print(f"{fmt} {size[0]}x{size[1]}: peak {measured['peak_mb']:.0f} MB")
    assert measured["peak_mb"] < LIMIT_MB
    assert measured["size"] == list(size)  # the full size is recorded, not the decoded one
    widths = []
    for path in (tmp_path / "media" / "public").iterdir():
        with Image.open(path) as web:
            widths.append(web.width)
    assert sorted(widths) == [480, 960, 1600]
