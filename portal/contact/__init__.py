"""Asking the people behind a case, through the outbox, without learning their address."""
