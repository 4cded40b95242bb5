"""HTML to PDF with WeasyPrint: a locked URL fetcher, embedded fonts, metadata, attachments.

Templates get plain data only (the builders' dataclasses) and Jinja escapes every value, so text
typed by a client or a provider (`<img src=http://…>`, `file:///etc/passwd`, CSS `url()`) is
printed as text. Whatever still asks for a URL goes through `ReportURLFetcher`, which serves the
files under `reports/assets/` and refuses everything else: no network, no other local file.
"""

from __future__ import annotations

import io
import logging
import mimetypes
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import render_template
from markupsafe import Markup
from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

from console.domain import _
from console.formatting import current_language

ASSETS = Path(__file__).resolve().parent / "assets"
ASSETS_URL = ASSETS.as_uri() + "/"
AUTHOR = "Ekoklean Console"

log = logging.getLogger(__name__)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # one line per step would flood workers


class ReportURLFetcher(URLFetcher):
    """Serve the report assets (stylesheet, fonts); refuse every other URL, and remember it."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        path = self._asset(url)
        if path is None:
            self.refused.append(url)
            log.info("report renderer refused %s", url[:200])
            raise ValueError(f"not a report asset: {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    @staticmethod
    def _asset(url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(ASSETS) or not path.is_file():
            return None
        return path


def css_string(text: str) -> str:
    """`text` as a CSS string literal (nothing in it can close the string or the style element)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", "\\a ")
    return f'"{escaped}"'


def css_content(text: str, **parts: str) -> Markup:
    """A translated sentence with `%(name)s` placeholders as a CSS `content` value, each placeholder
    replaced by a CSS expression (`counter(page)`, `string(report-period)`): the margin boxes of
    the PDF get whole sentences in the reader's language, in the translator's word order."""
    pieces = re.split(r"%\((\w+)\)s", text)
    values = [parts[piece] if i % 2 else css_string(piece) for i, piece in enumerate(pieces)]
    return Markup(" ".join(v for v in values if v != '""'))  # noqa: S704 (CSS strings escaped by css_string)


def margin_texts() -> dict[str, Markup]:
    """The running header and footer of every page, in the reader's language."""
    return {
        "top_right": css_content(
            _("%(period)s · data as of %(as_of)s"),
            period="string(report-period)",
            as_of="string(report-as-of)",
        ),
        "bottom_left": css_content(
            _("Generated %(generated)s · %(reference)s"),
            generated="string(report-generated)",
            reference="string(report-reference)",
        ),
        "bottom_right": css_content(
            _("page %(page)s of %(pages)s"), page="counter(page)", pages="counter(pages)"
        ),
    }


@dataclass
class CsvAttachment:
    name: str
    description: str
    data: bytes


@dataclass
class RenderedReport:
    pdf: bytes
    pages: int
    refused_urls: list[str] = field(default_factory=list)


def render_pdf(
    template: str,
    *,
    context: dict,
    attachments: list[CsvAttachment] | None = None,
    created: datetime | None = None,
) -> RenderedReport:
    """Render `templates/reports/<template>` with plain `context` into a PDF.

    With attachments the PDF is PDF/A-3b, which allows embedded files (the CSV register). The text
    is in the current language (the build runs inside `force_locale(run.language)`): `<html lang>`
    says which, and WeasyPrint copies it into the PDF's /Lang.
    """
    html = render_template(
        f"reports/{template}", report_language=current_language(), margins=margin_texts(), **context
    )
    fetcher = ReportURLFetcher()
    document = HTML(string=html, base_url=ASSETS_URL, url_fetcher=fetcher).render()
    options: dict = {}
    if attachments:
        options["attachments"] = [
            Attachment(
                file_obj=io.BytesIO(a.data),
                name=a.name,
                description=a.description,
                created=created,
                modified=created,
                relationship="Data",
                url_fetcher=fetcher,
            )
            for a in attachments
        ]
        options["pdf_variant"] = "pdf/a-3b"
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile for PDF/A and never closes it: a harmless
        # ResourceWarning, which warnings-as-errors would otherwise turn into a failure.
        warnings.simplefilter("ignore", ResourceWarning)
        pdf = document.write_pdf(**options)
    return RenderedReport(pdf=pdf, pages=len(document.pages), refused_urls=fetcher.refused)
