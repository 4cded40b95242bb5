"""`flask api clients create NAME --scope S ...` (the key alone on the last line) and
`flask api clients revoke NAME`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from api.clients import services
from api.clients.workflow import SCOPES
from console.db import db, utcnow
from console.domain import DomainError

CLI_ACTOR = "system:cli"
api_cli = AppGroup("api", help="The integration API.")
clients_cli = AppGroup("clients", help="API clients and their keys.")
api_cli.add_command(clients_cli)


@clients_cli.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES))
def create(name: str, scopes: tuple[str, ...]) -> None:
    """Create an API client; its key is printed once, alone on the last line."""
    try:
        issued = services.create_client(name=name, scopes=list(scopes), actor=CLI_ACTOR, now=utcnow())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"API client {issued.client.name} created with scopes {', '.join(issued.client.scopes)}.")
    click.echo("Its key follows; it is shown only this once:")
    click.echo(issued.secret)


@clients_cli.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke an API client and all its keys, at once."""
    client = services.client_named(name)
    if client is None:
        raise click.ClickException(f"no API client named {name!r}")
    try:
        services.revoke_client(client, actor=CLI_ACTOR, now=utcnow())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"API client {client.name} revoked.")
