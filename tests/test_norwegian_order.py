"""Lists of names in Norwegian alphabetical order on every database: case does not matter,
é counts as e, and Æ, Ø, Å come last, in that order."""

from __future__ import annotations

from portal.letters import norwegian_sort_key

NAMES = ["Ålesund kommune", "Ørland kommune", "aremark kommune", "Æsir AS", "Écoles AS",
         "Zeta kommune", "Bodø kommune"]  # fmt: skip
EXPECTED = ["aremark kommune", "Bodø kommune", "Écoles AS", "Zeta kommune", "Æsir AS",
            "Ørland kommune", "Ålesund kommune"]  # fmt: skip


def test_the_sort_key_orders_as_a_norwegian_dictionary():
    assert sorted(NAMES, key=norwegian_sort_key) == EXPECTED


def test_the_organisation_list_is_in_norwegian_order(app, factory):
    with factory.committing() as f:
        for name in NAMES:
            f.case(organizations=[f.organization(name=name)])
    html = app.test_client().get("/organisasjoner/").get_data(as_text=True)
    positions = [html.index(f">{name}<") for name in EXPECTED]
    assert positions == sorted(positions)
    # Among the seed's organisations too: "Asker kommune" after "aremark", before "Bodø".
    assert (
        html.index(">aremark kommune<")
        < html.index(">Asker kommune<")
        < html.index(">Bodø kommune<")
    )
