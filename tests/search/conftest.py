"""Prints the search relevance figures at the end of a test run."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from tests.search import test_relevance

    for line in test_relevance.report():
        terminalreporter.write_line(line)
