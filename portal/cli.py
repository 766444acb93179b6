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


search_cli = click.Group("search", help="Inspect and rebuild the full-text search index.")


@search_cli.command("verify")
@with_appcontext
def search_verify_command() -> None:
    """List every difference between the index and the published cases; non-zero if any."""
    from portal.search.maintenance import verify_index

    report = verify_index()
    for label, slugs in (
        ("missing from the index", report.missing),
        ("in the index but not published", report.extra),
        ("indexed content out of date", report.stale),
    ):
        for slug in slugs:
            click.echo(f"{label}: {slug}")
    if not report.ok:
        raise click.ClickException(
            f"index differs from the database: {len(report.missing)} missing, "
            f"{len(report.extra)} extra, {len(report.stale)} stale"
        )
    click.echo("Search index matches the database.")


@search_cli.command("rebuild")
@with_appcontext
def search_rebuild_command() -> None:
    """Build a fresh index from the database beside the live one and swap it in."""
    from portal.search.backend import RebuildRunning
    from portal.search.maintenance import published_count, rebuild_index

    try:
        with click.progressbar(length=published_count(), label="Indexing cases") as bar:
            total = rebuild_index(progress=lambda _count: bar.update(1))
    except RebuildRunning as error:
        raise click.ClickException(f"{error}; try again when it has finished") from error
    click.echo(f"Indexed {total} published cases.")


users_cli = click.Group("users", help="Manage user accounts.")

ROLE_CHOICE = click.Choice(["contributor", "editor", "strategy_author", "admin"])


def _organization_or_fail(slug: str | None):
    from sqlalchemy import select

    from portal.organizations.models import Organization

    if not slug:
        return None
    org = db.session.scalars(select(Organization).where(Organization.slug == slug)).first()
    if org is None:
        raise click.ClickException(f"no organization with slug {slug!r}")
    return org


def _user_options(command):
    """The options `users create` and `users invite` share."""
    for option in reversed(
        [
            click.option("--email", required=True),
            click.option("--name", default="", help="Full name (defaults to the e-mail address)."),
            click.option(
                "--role",
                "roles",
                multiple=True,
                required=True,
                type=ROLE_CHOICE,
                help="May be given several times.",
            ),  # fmt: skip
            click.option("--organization", default=None, help="Organization slug."),
        ]
    ):
        command = option(command)
    return command


def _create(make) -> object:
    """Run a user-creating call, turning a refusal into a clean CLI error."""
    from portal.accounts.services import AccountError

    try:
        result = make()
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    return result


@users_cli.command("create")
@_user_options
@click.password_option(help="At least 12 characters; asked for when not given.")
@with_appcontext
def users_create_command(
    email: str, name: str, roles: tuple[str, ...], organization: str | None, password: str
) -> None:
    """Create a user with one or more roles."""
    from portal.accounts.models import Role
    from portal.accounts.services import create_user

    org = _organization_or_fail(organization)
    user = _create(
        lambda: create_user(
            email=email,
            name=name,
            roles={Role(r) for r in roles},
            organization=org,
            password=password,
        )  # fmt: skip
    )
    click.echo(f"Created {user.email} ({', '.join(sorted(roles))}).")


@users_cli.command("invite")
@_user_options
@with_appcontext
def users_invite_command(
    email: str, name: str, roles: tuple[str, ...], organization: str | None
) -> None:
    """Create a user without a password and queue an invitation link (valid seven days).

    The link starts with PORTAL_BASE_URL."""
    from flask import url_for

    from portal.accounts.models import Role
    from portal.accounts.services import invite_user

    org = _organization_or_fail(organization)
    user, link = _create(
        lambda: invite_user(
            email=email, name=name, roles={Role(r) for r in roles}, organization=org,
            link_for=lambda token: url_for(
                "accounts.set_new_password", purpose="invitasjon", token=token, _external=True
            ),
        )
    )  # fmt: skip
    click.echo(f"Invited {user.email}; `flask mail send` delivers the link:\n{link}")


mail_cli = click.Group("mail", help="The e-mail outbox.")


@mail_cli.command("send")
@with_appcontext
def mail_send_command() -> None:
    """Deliver the outbox: over SMTP with MAIL_SERVER, else as .eml files in MAIL_DIR."""
    from portal.notifications.outbox import send_due
    from portal.operations.locks import Busy, exclusive

    try:
        with exclusive("mail-send"):  # several servers' timers: one sends, each message once
            outcome = send_due(current_app.config, current_app.instance_path, db.session.commit)
    except Busy:
        click.echo("Another `flask mail send` is delivering the outbox now; nothing to do.")
        return
    if not current_app.config.get("MAIL_SERVER"):
        click.echo(f"No MAIL_SERVER is set: wrote {outcome.delivered} message(s) as .eml files "
                   f"to {outcome.destination}")  # fmt: skip
    else:
        click.echo(f"Sent {outcome.delivered} message(s) through {outcome.destination}.")
    if outcome.retrying:
        click.echo(f"{outcome.retrying} message(s) failed and will be tried again later.")
    if outcome.given_up:
        click.echo(f"{outcome.given_up} message(s) were given up; the reason is stored with each.")
    if outcome.retrying or outcome.given_up:
        raise SystemExit(1)


digests_cli = click.Group("digests", help="E-mail digests of followed searches.")


@digests_cli.command("queue")
@with_appcontext
def digests_queue_command() -> None:
    """Put the digests that are due in the outbox (`flask mail send` delivers them)."""
    from portal.following.digests import queue_digests
    from portal.operations.locks import Busy, exclusive

    try:
        with exclusive("digests-queue"):  # one server composes; nobody gets a digest twice
            queued, checked = queue_digests()
            db.session.commit()
    except Busy:
        click.echo("Another `flask digests queue` is running; nothing to do.")
        return
    click.echo(f"Checked {checked} followed search(es); queued {queued} digest(s).")


def register(app: Flask) -> None:
    from portal.operations.cli import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(search_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(digests_cli)
