"""flask backup PATH, flask restore PATH."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.operations.archive import ArchiveError

_COUNTED = ("cases", "organizations", "strategies", "strategy_goals", "case_goal_links",
            "images", "users")  # fmt: skip


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(table, 0)} {table}" for table in _COUNTED)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write the database, the images and a manifest to one archive (the site keeps serving)."""
    from portal.operations.backup import create_backup

    try:
        manifest = create_backup(path, say=click.echo)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from error
    images = sum(1 for name in manifest.files if name.startswith("media/"))
    click.echo(f"Backup written to {path}: {_summary(manifest.counts)}, {images} image files.")
    if manifest.media_missing:
        click.echo(f"Note: {len(manifest.media_missing)} image(s) were removed while the backup "
                   "ran; their rows are in the archive without files.")  # fmt: skip


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path) -> None:
    """Restore an archive from `flask backup` into this empty instance, then rebuild search."""
    from portal.operations.backup import restore_backup

    try:
        restored = restore_backup(path, say=click.echo)
    except ArchiveError as error:
        raise click.ClickException(f"Nothing was restored: {error}.") from error
    click.echo(
        f"Restored the backup of {restored.manifest.created_at}: "
        f"{_summary(restored.counts)}; {restored.indexed} cases in the search index."
    )
