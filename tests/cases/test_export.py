"""A search's cases as CSV and Excel, and as a feed: the same arguments as the list, every
case the search finds, æøå intact, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import re
from xml.etree import ElementTree

from openpyxl import load_workbook
from sqlalchemy import select

from portal.cases.models import Case
from portal.extensions import db

ATOM = "{http://www.w3.org/2005/Atom}"


def _listed_total(client, query: str) -> int:
    html = client.get(f"/eksempler/?{query}").get_data(as_text=True)
    return int(re.search(r'class="result-count">\s*(\d+)', html).group(1))


def test_csv_has_one_row_per_case_the_search_finds_and_opens_in_excel(client):
    response = client.get("/eksempler/eksport.csv?kategori=bygg-og-anlegg")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")  # the mark Excel needs for UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Tittel", "Organisasjoner", "År"]
    assert "Resultater" in rows[0] and rows[0][-1] == "Adresse"
    assert len(rows) - 1 == _listed_total(client, "kategori=bygg-og-anlegg") > 1
    categories = rows[0].index("Kategorier")
    assert all("Bygg og anlegg" in row[categories] for row in rows[1:])
    assert all(row[-1].startswith("http") and "/eksempler/" in row[-1] for row in rows[1:])
    everything = client.get("/eksempler/eksport.csv").data.decode("utf-8-sig")
    assert "Kristiansand" in everything or "Asker" in everything  # æøå and names intact
    assert len(list(csv.reader(io.StringIO(everything), delimiter=";"))) == 19


def _poison(app) -> str:
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug.like("asker-%"))).first()
        case.title = '=HYPERLINK("http://angriper.example","Klikk")'
        case.summary = "+47 er ikke en formel"
        db.session.commit()
        return case.slug


def test_formulas_in_case_text_are_neutralised_in_csv_and_excel(app, client):
    slug = _poison(app)
    text = client.get("/eksempler/eksport.csv?organisasjon=asker-kommune").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    poisoned = next(row for row in rows if row[-1].endswith(slug))
    assert poisoned[0] == '\'=HYPERLINK("http://angriper.example","Klikk")'
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    response = client.get("/eksempler/eksport.xlsx?organisasjon=asker-kommune")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["Eksempler"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)  # nothing runs as a formula
    title = next(c for c in cells if isinstance(c.value, str) and c.value.startswith("=HYPER"))
    assert title.data_type == "s" and title.quotePrefix  # shown as typed, never evaluated


def test_excel_has_the_cases_their_results_as_numbers_and_the_search(client):
    response = client.get("/eksempler/eksport.xlsx?q=møbler")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Eksempler", "Resultater", "Om uttrekket"]
    cases = list(book["Eksempler"].values)
    assert len(cases) - 1 == _listed_total(client, "q=møbler")
    results = list(book["Resultater"].values)
    assert results[0][:4] == ("Eksempel", "Indikator", "Verdi", "Enhet")
    assert results[1:] and all(isinstance(row[2], int | float) for row in results[1:])
    about = dict(list(book["Om uttrekket"].values)[1:])
    assert about["Søk"] == "«møbler»"


def test_the_feed_takes_the_lists_arguments(client):
    feed = ElementTree.fromstring(client.get("/eksempler/nye.atom?kategori=mobler").data)
    assert "Kategori: Møbler" in feed.find(f"{ATOM}title").text
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == _listed_total(client, "kategori=mobler") >= 1
    self_link = feed.find(f"{ATOM}link[@rel='self']").get("href")
    assert self_link.endswith("/eksempler/nye.atom?kategori=mobler")
    everything = ElementTree.fromstring(client.get("/eksempler/nye.atom").data)
    assert len(everything.findall(f"{ATOM}entry")) == 18
