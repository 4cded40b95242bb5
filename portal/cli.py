"""`flask portal link REFERENCE --purpose P [--record R]` and `flask inbound eml FILE`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from console.db import db, utcnow
from console.domain import DomainError

portal_cli = AppGroup("portal", help="Signed links to the portal.")
inbound_cli = AppGroup("inbound", help="Inbound e-mail.")
CLI_ACTOR = "system:cli"


@portal_cli.command("link")
@click.argument("reference")
@click.option(
    "--purpose",
    required=True,
    help="certificate, vetting_documents, complaint_answer, dispute_answer, "
    "restriction_review (provider); complaint_reply, satisfaction, policy_ack (client)",
)
@click.option("--record", default=None, help="The record concerned (CMP-…, DSP-…); the open one by default.")
def link_command(reference: str, purpose: str, record: str | None) -> None:
    """Create a signed link and print its URL alone on the last line."""
    from portal import services

    person = services.find_person(reference)
    if person is None:
        raise click.ClickException(f"no provider or client {reference}")
    try:
        target = services.find_record(purpose, record) if record else services.open_record(purpose, person)
        if record and target is None:
            raise click.ClickException(f"no record {record}")
        link, token = services.create_link(purpose, person, target, actor=CLI_ACTOR, now=utcnow())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    until = f"{link.expires_at:%Y-%m-%d %H:%M}"
    click.echo(f"{link} {link.purpose.value} for {person.reference}, valid until {until} UTC")
    click.echo(services.url_of(token))


@inbound_cli.command("eml")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def eml_command(path: str) -> None:
    """Feed one raw message (an .eml file) as the inbound endpoint does."""
    from portal import inbound

    with open(path, "rb") as handle:
        raw = handle.read()
    row = inbound.receive(raw, now=utcnow())
    db.session.commit()
    if row is None:
        click.echo("duplicate: already received")
        return
    where = f" into CMP-{row.complaint_id:07d}" if row.complaint_id else ""
    click.echo(f"{row} {row.status}{where}{' (' + row.reason + ')' if row.reason else ''}")
