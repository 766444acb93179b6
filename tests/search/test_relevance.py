"""Real queries against the seeded bank, each with the cases a person means by it, ranked.

The suite reports hits@3 (the share of queries with a wanted case among the first three) and
MRR (the mean of 1/rank of the first wanted case) at the end of the test run, and fails if
either falls below the floor: raise the floors when search gets better, never lower them.
"""

from __future__ import annotations

import pytest

from portal.search.backend import SearchRequest
from portal.search.service import search_cases

ASKER = "asker-mobellager-og-rammeavtale-for-brukte-mobler"
BERGEN_FAKTURA = "bergen-kontraktsnummer-pa-faktura-og-innkjopsanalyse"
NIVEL = "bergen-nivel-regulering-av-sparkesykler"
MOBILITET = "bodo-og-alesund-kjoper-mobilitet-som-tjeneste"
BODO = "bodo-kort-og-forankret-anskaffelsesstrategi"
HOJE = "hoje-taastrup-eier-gulvmattene-selv"
INNSIKT = "innsikt-avtaleforvalter-for-renovasjon"
K2 = "k2-hogskulen-pa-vestlandet-totalentreprise-med-samspill"
MORE = "more-og-romsdal-kontering-etter-standard-for-bygg"
NITTEDAL = "nittedal-digital-drift-av-bygg"
PORSGRUNN = "porsgrunn-rammeavtaler-med-samspill-for-vann-og-avlop"
SIRKULA = "sirkula-avtaleforvalter-sparte-4-4-millioner"
SIS = "statens-innkjopssenter-smaordregebyr-for-forbruksmateriell"
STOR_ELVDAL = "stor-elvdal-app-for-tjenestebiler"
PASLAG = "trondheim-hoyere-paslag-pa-brukte-byggevarer"
TILLER = "trondheim-ombruk-av-byggevarer-pa-tiller"
UIO = "uio-belonner-cateringleverandorer-som-overoppfyller"
YDALIR = "ydalir-skole-samspillsentreprise"

# query → the cases that answer it (any of them counts)
QUERIES: dict[str, set[str]] = {
    # the case's own words
    "brukte møbler": {ASKER},
    "møbellager": {ASKER},
    "kontraktsnummer på fakturaen": {BERGEN_FAKTURA},
    "feilfakturering": {BERGEN_FAKTURA},
    "elsparkesykler": {NIVEL},
    "mobilitet som tjeneste": {MOBILITET},
    "kort anskaffelsesstrategi": {BODO},
    "gulvmatter": {HOJE},
    "totalentreprise": {K2},
    "kontering": {MORE},
    "plan- og designkonkurranse": {NITTEDAL},
    "gravefrie løsninger": {PORSGRUNN},
    "småordregebyr": {SIS},
    "forbruksmateriell": {SIS},
    "tjenestebiler": {STOR_ELVDAL},
    "påslag brukte byggevarer": {PASLAG},
    "gjenbrukssentral": {TILLER},
    "catering": {UIO},
    "samspillsentreprise": {YDALIR},
    '"åpen bok"': {YDALIR, K2},
    # names of places, organisations and suppliers
    "Ydalir": {YDALIR},
    "Tiller": {TILLER},
    "Nivel": {NIVEL},
    "Sirkula": {SIRKULA},
    "Høgskulen på Vestlandet": {K2},
    "Elverum skole": {YDALIR},
    "Porsgrunn vann og avløp": {PORSGRUNN},
    # synonyms, inflections and other forms of the words
    "gjenbruk av møbler": {ASKER},
    "ombruk i bygg": {TILLER, PASLAG},
    "sparkesyklar": {NIVEL},
    "bilpark": {STOR_ELVDAL, MOBILITET},
    "partnering vann og avløp": {PORSGRUNN},
    "kontraktsforvalter": {SIRKULA, INNSIKT},
    "avtaleforvaltning renovasjon": {INNSIKT},
    "forsknings- og utviklingssamarbeid": {NIVEL},
    # nynorsk forms
    "brukte møblar": {ASKER},
    "avtaleforvaltar": {SIRKULA, INNSIKT},
    "gjenbruk av byggevarer i Trondheim": {TILLER, PASLAG},
    # the field's own words for what a case is about
    "bonus malus": {UIO, SIS},
    "bonus-malus": {UIO, SIS},
    "bonus": {UIO, SIS},
    "malus": {UIO, SIS},
    "leasing": {MOBILITET, HOJE},
    "insentiv i kontrakten": {UIO, SIS, PASLAG},
    "markedsdialog": {NITTEDAL, MOBILITET, NIVEL},
    "innovasjonspartnerskap": {NIVEL, NITTEDAL},
    "e-handel": {BERGEN_FAKTURA, SIS},
    # misspellings
    "gravfrie": {PORSGRUNN},
    "møbelkordinator": {ASKER},
    "sammspill skole": {YDALIR},
    # figures
    "4,4 millioner": {SIRKULA},
    "1,4 millioner": {ASKER},
    # whole questions
    "hvordan kan vi spare penger på oppfølging av avtaler?": {SIRKULA, INNSIKT},
    "hvordan få færre småordre": {SIS},
    "hvordan belønne leverandører som leverer mer enn avtalen krever": {UIO},
    "kan vi eie gulvmattene selv i stedet for å leie": {HOJE},
}

FLOOR_HITS_AT_3 = 0.96  # measured 0.964 (54 of 56); misses: e-handel, innovasjonspartnerskap
FLOOR_MRR = 0.945  # measured 0.946
RANKS: dict[str, int | None] = {}


def _rank(query: str, wanted: set[str]) -> int | None:
    result = search_cases(SearchRequest(text=query, per_page=10))
    slugs = [hit.slug for hit in result.hits]
    return next((i + 1 for i, slug in enumerate(slugs) if slug in wanted), None)


@pytest.mark.parametrize("query", list(QUERIES))
def test_query(ctx, query):
    """Each query is recorded; the floors below decide whether the suite passes."""
    RANKS[query] = _rank(query, QUERIES[query])


def test_relevance_stays_above_the_floor(ctx):
    for query, wanted in QUERIES.items():
        RANKS.setdefault(query, _rank(query, wanted))
    assert len(QUERIES) >= 40
    hits = sum(1 for r in RANKS.values() if r is not None and r <= 3) / len(QUERIES)
    mrr = sum(1 / r for r in RANKS.values() if r) / len(QUERIES)
    misses = {q: r for q, r in RANKS.items() if r is None or r > 3}
    assert hits >= FLOOR_HITS_AT_3 and mrr >= FLOOR_MRR, (hits, mrr, misses)


def report() -> list[str]:
    """Lines for the end of the test run (see tests/search/conftest.py)."""
    if len(RANKS) < len(QUERIES):
        return []
    hits = sum(1 for r in RANKS.values() if r is not None and r <= 3) / len(QUERIES)
    mrr = sum(1 / r for r in RANKS.values() if r) / len(QUERIES)
    lines = [f"search relevance: {len(QUERIES)} queries, hits@3 = {hits:.3f}, MRR = {mrr:.3f}"]
    lines += [f"  missed in the top 3: {q!r} (rank {r or '–'})"
              for q, r in RANKS.items() if r is None or r > 3]  # fmt: skip
    return lines
