"""Operator commands: flask --app portal seed, …"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.extensions import db


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load the seed data in seed/ (only what is missing) and report what was created."""
    from portal.seeding.loader import SeedError, load_seed

    try:
        created = load_seed(Path(current_app.config["SEED_DIR"]))
    except SeedError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    if not created:
        click.echo("Seed: nothing to do, everything is already in place.")
        return
    click.echo("Seed: created " + ", ".join(f"{n} {kind}" for kind, n in created.items()) + ".")


def register(app: Flask) -> None:
    app.cli.add_command(seed_command)
