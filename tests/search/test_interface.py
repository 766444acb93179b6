"""The search interface is what the portal uses, and every facet list comes from one registry."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import portal
from portal.api.search import SearchArgsSchema
from portal.cases.schemas import CaseListArgsSchema
from portal.search.backend import SearchBackend
from portal.search.pg_backend import PostgresBackend
from portal.search.whoosh_backend import WhooshBackend
from portal.search.whoosh_schema import make_schema
from portal.taxonomy.facets import FACETS, VOCABULARY_FACETS, Vocabulary

PACKAGE = Path(portal.__file__).parent


def _protocol_methods() -> set[str]:
    return {
        name
        for name, value in vars(SearchBackend).items()
        if callable(value) and not name.startswith("_")
    }


def _protocol_attributes() -> set[str]:
    """What the protocol declares as plain attributes (`name`, `transactional`)."""
    return set(SearchBackend.__annotations__)


def _backend_calls() -> set[tuple[str, str]]:
    """(module, method) for every `backend().method` outside the Whoosh implementation."""
    calls = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name.startswith("whoosh_"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "backend"
            ):
                calls.add((path.relative_to(PACKAGE).as_posix(), node.attr))
    return calls


def test_the_portal_uses_only_what_the_backend_interface_declares():
    calls = _backend_calls()
    assert calls, "the search service reaches the backend through backend()"
    declared = _protocol_methods() | _protocol_attributes()
    undeclared = {(module, name) for module, name in calls if name not in declared}
    assert not undeclared


@pytest.mark.parametrize("implementation", [WhooshBackend, PostgresBackend])
def test_each_backend_implements_the_whole_interface(implementation):
    assert isinstance(implementation.name, str) and isinstance(implementation.transactional, bool)
    for name in _protocol_methods():
        implemented = getattr(implementation, name, None)
        assert callable(implemented), name
        declared = inspect.signature(getattr(SearchBackend, name))
        assert list(inspect.signature(implemented).parameters) == list(declared.parameters), name


def test_every_vocabulary_is_a_facet_with_its_own_url_name():
    assert {f.vocabulary for f in VOCABULARY_FACETS} == set(Vocabulary)
    for facet in FACETS:
        assert len({f.param for f in FACETS if f.param == facet.param}) == 1
    for vocabulary in Vocabulary:
        assert Vocabulary.from_url_slug(vocabulary.url_slug) is vocabulary


def test_the_index_and_the_apis_accept_every_facet():
    index_fields = set(make_schema().names())
    search_args = set(SearchArgsSchema().fields)
    case_args = set(CaseListArgsSchema().fields)
    for facet in FACETS:
        assert facet.field in index_fields
        assert facet.api in search_args
    assert {f.api for f in VOCABULARY_FACETS} | {"organization", "year"} <= case_args
