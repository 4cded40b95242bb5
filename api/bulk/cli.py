"""`flask api import {providers,clients,bookings,reviews} FILE [--client NAME]`: a marketplace's
history from JSON Lines or CSV, validated as the API validates, committed batch by batch (so a run
stopped half-way is resumed by running it again: what exists by external id is skipped). Rejected
lines are printed and written to FILE.rejected.jsonl with their line number and reasons."""

from __future__ import annotations

import json
import time

import click

from api import services as api_services
from api.bulk import services
from api.bulk import workflow as wf
from api.clients import services as clients
from console.db import db, utcnow

CLI_ACTOR = "system:api-import"
SHOWN = 50  # rejected lines printed; all of them are in the .rejected.jsonl file


@click.command("import")
@click.argument("kind", type=click.Choice(wf.KINDS))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--client", "client_name", help="The API client whose external ids these are.")
@click.option("--batch-size", default=wf.BATCH_SIZE, show_default=True, type=click.IntRange(1, 50_000))
def import_command(kind: str, path: str, client_name: str | None, batch_size: int) -> None:
    """Import providers, clients, bookings or reviews from a .jsonl or .csv file."""
    api_client = _api_client(client_name)
    try:
        kind_of_file = wf.file_format(path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    started, created, skipped, rejected = time.perf_counter(), 0, 0, 0
    with (
        open(path, encoding="utf-8", newline="") as source,
        open(f"{path}.rejected.jsonl", "w", encoding="utf-8") as report,
    ):
        lines = wf.read_jsonl(source) if kind_of_file == "jsonl" else wf.read_csv(source)
        for number, batch in enumerate(wf.batches(lines, batch_size), start=1):
            result = services.import_batch(
                kind, batch, api_client_id=api_client.id, actor=CLI_ACTOR, now=utcnow()
            )
            db.session.commit()
            if number & (number - 1) == 0:  # after batches 1, 2, 4, 8...: statistics keep up
                api_services.refresh_external_id_statistics()
                db.session.commit()
            created, skipped = created + result.created, skipped + result.skipped
            for line in result.rejected:
                rejected += 1
                report.write(
                    json.dumps({"line": line.number, "errors": line.errors}, ensure_ascii=False) + "\n"
                )
                if rejected <= SHOWN:
                    reasons = "; ".join(f"{e['field']}: {e['detail']}" for e in line.errors)
                    click.echo(f"line {line.number}: {reasons}", err=True)
    seconds = time.perf_counter() - started
    if rejected > SHOWN:
        click.echo(f"... {rejected - SHOWN} more in {path}.rejected.jsonl", err=True)
    click.echo(
        f"{kind}: {created} created, {skipped} already there, {rejected} rejected "
        f"({path}.rejected.jsonl) in {seconds:.1f} s."
    )


def _api_client(name: str | None):
    if name:
        found = clients.client_named(name)
        if found is None:
            raise click.ClickException(f"no API client named {name!r}")
        return found
    only = clients.only_client()
    if only is None:
        raise click.ClickException("name the API client whose external ids these are: --client NAME")
    return only
