"""``flask referrals ...``: seed, import, export, and a place-matching check."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webhooks.extensions import db
from webhooks.models import User
from webhooks.referrals import loader
from webhooks.referrals.geo import gazetteer

referrals_cli = AppGroup("referrals", help="The referral directory.")


def _print_report(report: loader.LoadReport) -> None:
    for line, message in sorted(report.errors):
        click.echo(f"line {line}: {message}", err=True)
    if report.errors:
        raise click.ClickException(
            f"{len(report.errors)} error(s); nothing was saved. Fix them and run again."
        )
    for slug in report.created:
        click.echo(f"create  {slug}")
    for slug, fields in report.updated:
        click.echo(f"update  {slug}: {', '.join(fields)}")
    click.echo(report.summary())


@referrals_cli.command("seed")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=loader.SEED_FILE,
    show_default=True,
)
@click.option("--update", is_flag=True, help="Also overwrite existing entries from the file.")
@click.option("--dry-run", is_flag=True, help="Validate and report; save nothing.")
def seed_command(path: Path, update: bool, dry_run: bool) -> None:
    """Load the shipped seed entries (idempotent: adds only what is missing)."""
    report = loader.seed(path, update=update, dry_run=dry_run)
    _print_report(report)


@referrals_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--dry-run", is_flag=True, help="Validate and report; save nothing.")
@click.option("--user", "username", default=None, help="Supervisor account to record in audit.")
def import_command(file: click.utils.LazyFile, dry_run: bool, username: str | None) -> None:
    """Create or update entries from a CSV file (columns as `flask referrals export`)."""
    user = None
    if username:
        user = db.session.scalar(select(User).filter_by(username=username))
        if user is None or not user.is_supervisor:
            raise click.ClickException(f"no supervisor account {username!r}")
    rows, errors = loader.read_csv(file)  # type: ignore[arg-type]
    if errors:
        _print_report(loader.LoadReport(errors=errors, dry_run=dry_run))
    report = loader.load_rows(rows, via="import", user=user, dry_run=dry_run)
    _print_report(report)


@referrals_cli.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8"), default="-")
def export_command(file: click.utils.LazyFile) -> None:
    """Write every entry (also unverified and retired) as CSV to FILE (default: stdout)."""
    count = loader.write_csv(file, loader.all_services())  # type: ignore[arg-type]
    if file is not sys.stdout and getattr(file, "name", "-") != "<stdout>":
        click.echo(f"{count} entries exported", err=True)


@referrals_cli.command("match")
@click.argument("place")
def match_command(place: str) -> None:
    """Show how PLACE is understood (for checking aliases)."""
    geo = gazetteer()
    click.echo(json.dumps(geo.place_json(geo.match(place)), ensure_ascii=False, indent=2))
