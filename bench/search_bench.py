"""Search benchmark: build rate, in-process latency and HTTP throughput at several sizes.

    .venv/bin/python bench/search_bench.py                 # 1 000 and 10 000 cases
    .venv/bin/python bench/search_bench.py --sizes 100000  # the large run (takes minutes)
    .venv/bin/python bench/search_bench.py --backend postgres --sizes 10000,100000

With `--backend postgres` the cases live in PostgreSQL and the index is the PostgreSQL
backend's tables: a throwaway cluster is started in the run's folder exactly as the tests start
one (tests/pgcluster.py) and removed afterwards.

For each size it generates synthetic published cases from the seed cases' words (one topic per case)
and the source documents in ../shared/seeds, writes them to a fresh SQLite database with
the real migrations and taxonomies, rebuilds the Whoosh index through `rebuild_index` (the
code `flask search rebuild` runs), then measures:

- rebuild rate (docs/s);
- in-process latency of the backend search and of the whole search page (Flask test client:
  query, facet counts for every facet, highlights, template) over a realistic query mix;
- HTTP requests/s of the search page next to the home page, under gunicorn with 2 workers.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.cases.models import Case, case_organizations, case_terms  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.organizations.models import Organization  # noqa: E402
from portal.search.backend import SearchRequest  # noqa: E402
from portal.search.maintenance import rebuild_index  # noqa: E402
from portal.search.service import search_cases  # noqa: E402
from portal.seeding.loader import _load_organizations, _load_terms, _read  # noqa: E402
from portal.taxonomy.models import Term, Vocabulary  # noqa: E402

QUERIES = [
    ("one word", "møbler", {}),
    ("one word", "samspill", {}),
    ("one word", "kontraktsoppfølging", {}),
    ("two words", "gravefrie løsninger", {}),
    ("two words", "brukte møbler", {}),
    ("three words", "bonus malus renhold", {}),
    ("phrase", '"åpen bok"', {}),
    ("phrase", '"rammeavtale for"', {}),
    ("word + facets", "ombruk", {"kategori": ["bygg-og-anlegg"], "mal": ["klima-og-miljo"]}),
    ("words + facet", "digitale verktøy", {"kategori": ["ikt"]}),
    ("browse + facet", "", {"mal": ["innovasjon"]}),
    ("browse", "", {}),
]


def _words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[a-zæøåA-ZÆØÅ]{3,}", text)]


def corpus() -> tuple[list[list[str]], list[str]]:
    """Topics (the words of each seed case) and a general pool (the source documents)."""
    topics = []
    for path in sorted((ROOT / "seed" / "cases").glob("*.yaml")):
        data = _read(path)
        text = " ".join([data["title"], data["summary"], *data.get("sections", {}).values()])
        topics.append(_words(text))
    texts = [p.read_text(encoding="utf-8", errors="ignore") for p in sorted(SEEDS.glob("*.txt"))]
    pool = _words("\n".join(texts)) or [w for t in topics for w in t]
    return topics, pool


def generate(app, n: int, rng: random.Random) -> None:
    """Synthetic cases, each about one seed case's topic: 70 % of its words come from that
    case, 30 % from the source documents at large (so a word like "møbler" is common in one
    topic and rare elsewhere, as in a real bank, rather than spread over every case)."""
    topics, pool = corpus()

    def sentence(topic: list[str], k: int) -> str:
        chosen = [rng.choice(topic) if rng.random() < 0.7 else rng.choice(pool) for _ in range(k)]
        return " ".join(chosen).capitalize() + "."

    with app.app_context():
        _load_terms(_read(ROOT / "seed" / "taxonomies.yaml"), Counter())
        _load_organizations(_read(ROOT / "seed" / "organizations.yaml"), Counter())
        terms: dict[Vocabulary, list[int]] = {}
        for term in db.session.scalars(select(Term)):
            terms.setdefault(term.vocabulary, []).append(term.id)
        org_ids = list(db.session.scalars(select(Organization.id)))
        db.session.commit()
        now = datetime.now(UTC)
        batch = 2000
        for start in range(0, n, batch):
            rows, links, owners = [], [], []
            for i in range(start, min(n, start + batch)):
                topic = rng.choice(topics)

                def sentence_of(k: int, topic=topic) -> str:
                    return sentence(topic, k)

                rows.append(
                    {
                        "id": i + 1,
                        "slug": f"eksempel-{i + 1}",
                        "title": sentence_of(rng.randint(5, 10))[:200],
                        "summary": sentence_of(rng.randint(20, 35))[:300],
                        "background": " ".join(sentence_of(rng.randint(10, 20)) for _ in range(4)),
                        "what_was_done": " ".join(
                            sentence_of(rng.randint(10, 20)) for _ in range(6)
                        ),
                        "results_text": " ".join(
                            sentence_of(rng.randint(10, 20)) for _ in range(3)
                        ),
                        "not_as_planned": "",
                        "lessons": " ".join(sentence_of(rng.randint(10, 20)) for _ in range(2)),
                        "year": rng.randint(2005, 2025),
                        "procurement_status": "completed",
                        "contact_consent": False,
                        "status": "published",
                        "created_at": now,
                        "updated_at": now,
                        "published_at": now - timedelta(minutes=i),
                    }
                )
                for vocabulary, ids in terms.items():
                    k = 2 if vocabulary in (Vocabulary.CATEGORY, Vocabulary.THEME) else 1
                    for term_id in rng.sample(ids, k=min(k, len(ids))):
                        links.append({"case_id": i + 1, "term_id": term_id})
                owners.append({"case_id": i + 1, "organization_id": rng.choice(org_ids)})
            db.session.execute(insert(Case.__table__), rows)
            db.session.execute(insert(case_terms), links)
            db.session.execute(insert(case_organizations), owners)
            db.session.commit()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def measure_in_process(app, rounds: int) -> dict[str, tuple[float, float]]:
    client = app.test_client()
    backend_times: list[float] = []
    page_times: list[float] = []
    per_kind: dict[str, list[float]] = {}
    with app.app_context():
        for text, filters in [(q, f) for _, q, f in QUERIES]:  # warm caches once
            search_cases(SearchRequest(text=text))
            client.get("/eksempler/", query_string={"q": text, **filters})
    for _ in range(rounds):
        for kind, text, filters in QUERIES:
            mapped = {
                {"kategori": "category", "mal": "theme"}[k]: tuple(v) for k, v in filters.items()
            }
            app.extensions.pop("search_results", None)  # the search itself, not a kept result
            with app.app_context():
                t0 = time.perf_counter()
                search_cases(SearchRequest(text=text, filters=mapped))
                backend_times.append((time.perf_counter() - t0) * 1000)
            app.extensions["page_cache"].clear()  # … nor the page cache
            app.extensions.pop("search_results", None)
            t0 = time.perf_counter()
            response = client.get("/eksempler/", query_string={"q": text, **filters})
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200
            page_times.append(elapsed)
            per_kind.setdefault(kind, []).append(elapsed)
    out = {
        "backend search": (percentile(backend_times, 50), percentile(backend_times, 95)),
        "full search page": (percentile(page_times, 50), percentile(page_times, 95)),
    }
    for kind, values in per_kind.items():
        out[f"  page: {kind}"] = (percentile(values, 50), percentile(values, 95))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(host: str, port: int, request: bytes) -> None:
    """One request on a fresh connection, read to its end (the server closes it)."""
    with socket.create_connection((host, port), timeout=30) as connection:
        connection.sendall(request)
        head = connection.recv(65536)
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"the benchmark's page answered {head[:40]!r}")
        while connection.recv(65536):
            pass


def throughput(url: str, seconds: float, threads: int = 8) -> float:
    """Requests/s that `threads` clients get, each sending one request after the other.

    The client is plain sockets rather than urllib: it shares the two cores with the server,
    and urllib's own cost per request (about as much as a kept page's) would be measured too.
    """
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = (f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n"
               "User-Agent: pages-bench\r\n\r\n").encode()  # fmt: skip
    count = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal count
        while time.perf_counter() < stop:
            _get(host, port, request)
            with lock:
                count += 1

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return count / seconds


class Target:
    """Where a run keeps its cases and index: SQLite and Whoosh files, or PostgreSQL."""

    def __init__(self, folder: Path, backend: str = "whoosh") -> None:
        self.folder = folder
        self.backend = backend
        self.cluster: Path | None = None
        if backend == "postgres":
            from tests import pgcluster

            self.cluster, self.url = pgcluster.start()
        else:
            self.url = f"sqlite:///{folder / 'bench.sqlite3'}"

    def config(self) -> dict[str, str]:
        return {"SQLALCHEMY_DATABASE_URI": self.url, "SECRET_KEY": "bench",
                "SEARCH_INDEX_DIR": str(self.folder / "search"), "SEARCH_BACKEND": self.backend,
                "LOG_LEVEL": "WARNING"}  # fmt: skip

    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.url, "SECRET_KEY": "bench",
                "PORTAL_SEARCH_INDEX_DIR": str(self.folder / "search"),
                "PORTAL_SEARCH_BACKEND": self.backend, "PORTAL_LOG_LEVEL": "WARNING"}  # fmt: skip

    def close(self) -> None:
        if self.cluster is not None:
            from tests import pgcluster

            pgcluster.remove(self.cluster)


def serve_portal(folder: Path, target: Target | None = None) -> tuple[subprocess.Popen, str]:
    """The portal on the benchmark's database under gunicorn (2 workers), once it answers."""
    port = free_port()
    env = {
        "PATH": str(ROOT / ".venv" / "bin") + ":/usr/bin:/bin",
        **(target or Target(folder)).env(),
        "PORTAL_INSECURE_COOKIES": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "portal:create_app()"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()  # noqa: S310
            break
        except OSError:
            time.sleep(0.2)
    return server, base


SEARCH_PATH = "/eksempler/?q=brukte+m%C3%B8bler&kategori=mobler"


def warm_up(base: str) -> None:
    """Each worker builds its caches before the load starts."""
    for url in (base + "/", base + SEARCH_PATH):
        for _ in range(6):
            urllib.request.urlopen(url, timeout=120).read()  # noqa: S310


def measure_http(folder: Path, seconds: float, target: Target) -> tuple[float, float]:
    server, base = serve_portal(folder, target)
    try:
        warm_up(base)
        return throughput(base + "/", seconds), throughput(base + SEARCH_PATH, seconds)
    finally:
        server.terminate()
        server.wait(timeout=10)


def run(size: int, rounds: int, seconds: float, keep: bool, backend: str = "whoosh") -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"search-bench-{size}-"))
    target = Target(folder, backend)
    try:
        _run(target, size, rounds, seconds)
    finally:
        target.close()
    if keep:
        print(f"kept: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


def _run(target: Target, size: int, rounds: int, seconds: float) -> None:
    folder = target.folder
    app = create_app(target.config(), instance_path=str(folder))
    with app.app_context():
        upgrade()
    t0 = time.perf_counter()
    generate(app, size, random.Random(size))
    generated = time.perf_counter() - t0
    with app.app_context():
        t0 = time.perf_counter()
        total = rebuild_index()
        build = time.perf_counter() - t0
    print(f"\n== {size} cases, {target.backend} (generated in {generated:.1f} s) ==")
    print(f"rebuild: {total} docs in {build:.1f} s = {total / build:,.0f} docs/s")
    print(f"{'in-process latency (ms)':32} {'p50':>8} {'p95':>8}")
    for name, (p50, p95) in measure_in_process(app, rounds).items():
        print(f"{name:32} {p50:8.1f} {p95:8.1f}")
    if seconds > 0:
        home, search = measure_http(folder, seconds, target)
        print(f"HTTP, gunicorn 2 workers: home {home:,.1f} req/s, search page {search:,.1f} req/s,"
              f" ratio {search / home:.0%}")  # fmt: skip
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        default=[1000, 10000])  # fmt: skip
    parser.add_argument("--rounds", type=int, default=10, help="passes over the query mix")
    parser.add_argument("--seconds", type=float, default=8.0, help="HTTP load per page (0: skip)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    parser.add_argument("--backend", choices=("whoosh", "postgres"), default="whoosh",
                        help="SQLite and Whoosh, or PostgreSQL for both")  # fmt: skip
    args = parser.parse_args()
    for size in args.sizes:
        run(size, args.rounds, args.seconds, args.keep, args.backend)


if __name__ == "__main__":
    main()
