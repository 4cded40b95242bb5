"""The renderer's URL fetcher serves the report assets and nothing else."""

from __future__ import annotations

import http.server
import threading

import pytest
from weasyprint import HTML

from reports.render import ASSETS, ASSETS_URL, ReportURLFetcher
from tests.reports.conftest import read_pdf


@pytest.fixture
def http_server():
    """A real HTTP server on localhost that records every request made to it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"p { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def render(html: str) -> tuple[bytes, ReportURLFetcher]:
    fetcher = ReportURLFetcher()
    pdf = HTML(string=html, base_url=ASSETS_URL, url_fetcher=fetcher).write_pdf()
    return pdf, fetcher


def test_network_urls_and_other_files_are_refused_and_never_fetched(http_server):
    base, hits = http_server
    html = f"""<html><head>
      <link rel="stylesheet" href="{base}/style.css">
      <link rel="attachment" href="file:///etc/passwd">
      <style>@import url("{base}/imported.css"); p {{ background: url("file:///etc/passwd") }}</style>
    </head><body>
      <p>Before</p><img src="{base}/tracker.png"><img src="file:///etc/passwd">
      <img src="../../console/config.py"><p>After</p>
    </body></html>"""
    pdf, fetcher = render(html)
    reader, text = read_pdf(pdf)
    assert hits == []  # not one request reached the server
    assert "root:" not in text and not reader.attachments  # /etc/passwd neither shown nor embedded
    assert "Before" in text and "After" in text
    refused = " ".join(fetcher.refused)
    assert f"{base}/style.css" in refused and f"{base}/tracker.png" in refused
    assert "file:///etc/passwd" in refused and "console/config.py" in refused


def test_the_report_assets_are_served():
    pdf, fetcher = render('<link rel="stylesheet" href="report.css"><p>Fonts embedded</p>')
    reader, text = read_pdf(pdf)
    assert fetcher.refused == []
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    assert fonts and all("Report-Sans" in str(font["/BaseFont"]) for font in fonts)  # ours, from the assets
    for font in fonts:
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # embedded (a subset), not merely referenced


def test_a_path_that_climbs_out_of_the_assets_is_refused():
    fetcher = ReportURLFetcher()
    escaped = (ASSETS / ".." / "render.py").resolve()
    with pytest.raises(ValueError):
        fetcher.fetch(escaped.as_uri())
    with pytest.raises(ValueError):
        fetcher.fetch(ASSETS_URL + "../render.py")
    with pytest.raises(ValueError):
        fetcher.fetch("data:text/css,p{}")
    assert fetcher.fetch(ASSETS_URL + "report.css").read().startswith(b"/*")
