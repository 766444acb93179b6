"""Redirect targets from users never leave the site."""

from __future__ import annotations

import pytest

from portal.urls import safe_next_url


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "http:evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "/\tevil",
        "",
        None,
    ],
)
def test_foreign_or_odd_targets_fall_back_to_home(target):
    assert safe_next_url(target) == "/"


@pytest.mark.parametrize("target", ["/eksempler/", "/eksempler/?kategori=mobler&side=2"])
def test_local_paths_are_kept(target):
    assert safe_next_url(target) == target
