"""Page benchmark: every row of the speed targets, at several sizes of the bank.

    .venv/bin/python bench/pages_bench.py                      # 1 000 and 10 000 cases
    .venv/bin/python bench/pages_bench.py --sizes 100000       # the large run (minutes)
    .venv/bin/python bench/pages_bench.py --json               # one JSON object per size

Each size gets a fresh SQLite database with the real migrations, taxonomies, the three seed
strategies and synthetic published cases (as in search_bench.py), and an index built by
`rebuild_index`. Then, in process (Flask test client, anonymous visitor):

- search_cold: the full search page for every query kind, with the page cache and the kept
  search results emptied before each request;
- search_warm: the same queries again, same index generation;
- home, case, strategy, browse: the pages as visitors see them (after the first visit);
- first_after_change: the first search page after a case is edited (new content generation,
  new index generation: every per-process cache of the index is rebuilt), after each of five
  edits with another query each time: the median (and the slowest);
- HTTP: requests/s for the home page and a search page under gunicorn with 2 workers, and
  the workers' resident memory after that load.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flask_migrate import upgrade  # noqa: E402
from search_bench import (  # noqa: E402
    QUERIES,
    ROOT,
    SEARCH_PATH,
    Target,
    free_port,
    generate,
    percentile,
    serve_portal,
    throughput,
    warm_up,
)
from sqlalchemy import select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.cases.models import Case  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.search.maintenance import rebuild_index  # noqa: E402
from portal.seeding.loader import _load_strategy, _read  # noqa: E402
from portal.strategies.models import Strategy  # noqa: E402


def _timed(client, url: str, query: dict | None = None) -> float:
    t0 = time.perf_counter()
    response = client.get(url, query_string=query or {})
    elapsed = (time.perf_counter() - t0) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def _p95(values: list[float]) -> float:
    return round(percentile(values, 95), 2)


def measure_pages(app, rounds: int) -> dict[str, float]:
    client = app.test_client()
    cache = app.extensions["page_cache"]
    with app.app_context():
        slugs = list(db.session.scalars(select(Case.slug).order_by(Case.id).limit(200)))
        strategy_ids = list(db.session.scalars(select(Strategy.id)))
    searches = [({"q": text, **filters}) for _, text, filters in QUERIES]
    for query in searches:  # each process's index caches are built once
        _timed(client, "/eksempler/", query)
    cold, warm = [], []

    def forget() -> None:
        """Empty the page cache and the search results kept for this index generation."""
        cache.clear()
        app.extensions.pop("search_results", None)

    for _ in range(rounds):
        for query in searches:
            forget()
            cold.append(_timed(client, "/eksempler/", query))
            warm.append(_timed(client, "/eksempler/", query))
    pages: dict[str, list[float]] = {"home": [], "case": [], "strategy": [], "browse": []}
    rendered: dict[str, list[float]] = {name: [] for name in pages}
    for i in range(rounds * 10):
        for name, url in (
            ("home", "/"),
            ("case", f"/eksempler/{slugs[i % len(slugs)]}"),
            ("strategy", f"/strategier/{strategy_ids[i % len(strategy_ids)]}"),
            ("browse", "/eksempler/"),
        ):
            if i < len(slugs) or name != "case":
                forget()
                rendered[name].append(_timed(client, url))
            pages[name].append(_timed(client, url))
    out = {
        "search_cold_p95_ms": _p95(cold),
        "search_warm_p95_ms": _p95(warm),
        **{f"{name}_p95_ms": _p95(values) for name, values in pages.items()},
        **{f"{name}_rendered_p95_ms": _p95(values) for name, values in rendered.items()},
    }
    # The first search page after an edit (a new content and index generation), after each of
    # several edits, for the text queries in turn: the median, and the slowest.
    after = []
    texts = [query for query in searches if query.get("q")]
    for i in range(max(5, rounds)):
        with app.app_context():
            case = db.session.scalars(select(Case).where(Case.slug == slugs[i])).one()
            case.title = case.title + " (endret)"
            db.session.commit()
        after.append(_timed(client, "/eksempler/", texts[i % len(texts)]))
    out["first_after_change_ms"] = round(statistics.median(after), 1)
    out["first_after_change_max_ms"] = round(max(after), 1)
    return out


def _worker_rss_mb(parent: int) -> float:
    """The largest resident memory among the server's worker processes, in MB."""
    largest = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(parent):
            largest = max(largest, int(fields.get("VmRSS", "0 kB").split()[0]))
    return round(largest / 1024, 1)


PLAIN_APP = """
from flask import Flask

app = Flask(__name__)
page = app.jinja_env.from_string("<!doctype html><title>x</title>" + "<p>{{ n }}</p>" * 200)


@app.get("/")
def home():
    return page.render(n=1)
"""


def _serve(args: list[str], cwd: Path, env: dict, url: str) -> subprocess.Popen:
    import urllib.request

    server = subprocess.Popen(args, cwd=cwd, env=env)
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    return server


def plain_flask_rps(folder: Path, seconds: float) -> float:
    """A plain Flask page under the same server and client: the ceiling on this machine."""
    (folder / "plain_app.py").write_text(PLAIN_APP)
    port = free_port()
    server = _serve(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "plain_app:app"],
        folder, {"PATH": "/usr/bin:/bin"}, f"http://127.0.0.1:{port}/",
    )  # fmt: skip
    try:
        return round(throughput(f"http://127.0.0.1:{port}/", seconds), 1)
    finally:
        server.terminate()
        server.wait(timeout=10)


def measure_http(folder: Path, seconds: float) -> dict[str, float]:
    server, base = serve_portal(folder)
    try:
        warm_up(base)
        home = throughput(base + "/", seconds)
        search = throughput(base + SEARCH_PATH, seconds)
        return {
            "http_plain_flask_rps": plain_flask_rps(folder, seconds),
            "http_home_rps": round(home, 1),
            "http_search_rps": round(search, 1),
            "rss_mb": _worker_rss_mb(server.pid),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def run(size: int, rounds: int, seconds: float) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix=f"pages-bench-{size}-"))
    app = create_app(Target(folder).config(), instance_path=str(folder))
    try:
        with app.app_context():
            upgrade()
        generate(app, size, random.Random(size))
        with app.app_context():
            for path in sorted((ROOT / "seed" / "strategies").glob("*.yaml")):
                _load_strategy(_read(path), Counter(), path.name)
            db.session.commit()
            t0 = time.perf_counter()
            total = rebuild_index()
            build = time.perf_counter() - t0
        result: dict[str, float] = {"cases": size, "rebuild_docs_per_s": round(total / build)}
        result.update(measure_pages(app, rounds))
        if seconds > 0:
            result.update(measure_http(folder, seconds))
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        default=[1000, 10000])  # fmt: skip
    parser.add_argument("--rounds", type=int, default=5, help="passes over the page mix")
    parser.add_argument("--seconds", type=float, default=8.0, help="HTTP load per page (0: skip)")
    parser.add_argument("--json", action="store_true", help="one JSON object per size")
    args = parser.parse_args()
    for size in args.sizes:
        result = run(size, args.rounds, args.seconds)
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            print(f"\n== {size} cases ==")
            for key, value in result.items():
                print(f"{key:32} {value:>10}")


if __name__ == "__main__":
    main()
