"""Reading attachments, downloading them, and where the API key may go."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipelines.actions import (
    ActionInputError,
    ActionSession,
    get_application_attachments,
    get_candidate_attachments,
)
from pipelines.actions.downloads import DownloadError, FileDownloader, safe_file_name
from pipelines.pinpoint.ids import unified_id
from pipelines.sandbox import Sandbox
from pipelines.sandbox.records import Record


class RecordingServer:
    """A loopback HTTP server that records the X-API-KEY header of each request.

    `/redirect?to=URL` returns 302 to URL; `/big` sends 2,048 bytes; anything else
    sends a small text file.
    """

    def __init__(self) -> None:
        self.keys: list[str | None] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.keys.append(self.headers.get("X-API-KEY"))
                if self.path.startswith("/redirect?to="):
                    self.send_response(302)
                    self.send_header("Location", self.path.split("=", 1)[1])
                    self.end_headers()
                    return
                body = b"x" * 2048 if self.path == "/big" else b"file"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RecordingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api_origin() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        yield server


@pytest.fixture
def other_origin() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        yield server


def with_attachments(sandbox: Sandbox) -> Record:
    for application in sandbox.store.records("applications"):
        if application.extra_attributes.get("attachments") and not application.attributes.get(
            "concealed"
        ):
            return application
    raise AssertionError("no application with attachments in the sandbox")


def test_application_attachments_listed(tiny: Sandbox, session: ActionSession) -> None:
    application = with_attachments(tiny)
    expected = application.extra_attributes["attachments"]

    items = get_application_attachments(session, f"remote:{application.id}")

    assert len(items) == len(expected)
    first = items[0]
    assert first["type"] == "CV"
    assert expected[0].context == "pdf_cv"
    assert first["file_name"].endswith(".pdf")
    assert first["content_type"] == "application/pdf"
    assert first["application_id"] == unified_id("test", "applications", application.id)
    assert first["candidate_id"] == unified_id(
        "test", "candidates", str(application.attributes["candidate_id"])
    )
    assert first["data_url"].startswith(tiny.base_url.removesuffix("/api/v1"))
    assert len({item["id"] for item in items}) == len(items)


def test_candidate_attachments_include_applications(tiny: Sandbox, session: ActionSession) -> None:
    application = with_attachments(tiny)
    candidate_id = str(application.attributes["candidate_id"])

    items = get_candidate_attachments(session, f"remote:{candidate_id}")

    from_application = [
        item
        for item in items
        if item["application_id"] == unified_id("test", "applications", application.id)
    ]
    assert len(from_application) == len(application.extra_attributes["attachments"])
    assert all(
        item["candidate_id"] == unified_id("test", "candidates", candidate_id) for item in items
    )


def test_attachments_downloaded(tiny: Sandbox, session: ActionSession, tmp_path: Path) -> None:
    application = with_attachments(tiny)

    items = get_application_attachments(session, f"remote:{application.id}", tmp_path / "files")

    for item in items:
        path = Path(item["path"])
        assert path.parent == tmp_path / "files"
        assert path.name.startswith(f"application-{application.id}-")
        assert path.read_bytes().startswith(b"%PDF")
        assert item["size_bytes"] == path.stat().st_size


def test_missing_application_named(session: ActionSession) -> None:
    with pytest.raises(ActionInputError) as caught:
        get_application_attachments(session, "remote:99999")

    assert caught.value.problems[0].field == "application_id"


def test_key_sent_only_to_api_origin(
    api_origin: RecordingServer, other_origin: RecordingServer
) -> None:
    downloader = FileDownloader(f"{api_origin.url}/api/v1", "secret-key")
    try:
        downloader.fetch(f"{api_origin.url}/file", 1000)
        downloader.fetch(f"{other_origin.url}/file", 1000)
        downloader.fetch(f"{api_origin.url}/redirect?to={other_origin.url}/file", 1000)
    finally:
        downloader.close()

    assert api_origin.keys == ["secret-key", "secret-key"]
    assert other_origin.keys == [None, None]


def test_download_size_limit(other_origin: RecordingServer, tmp_path: Path) -> None:
    downloader = FileDownloader("https://acme.pinpointhq.com/api/v1", "secret-key")
    try:
        with pytest.raises(DownloadError, match="larger than"):
            downloader.save(f"{other_origin.url}/big", tmp_path / "big.txt", 1024)
        fetched = downloader.fetch(f"{other_origin.url}/small", 1024)
    finally:
        downloader.close()

    assert not (tmp_path / "big.txt").exists()
    assert list(tmp_path.iterdir()) == [], "no partial file is left behind"
    assert fetched.content == b"file"
    assert fetched.content_type == "text/plain"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cv.pdf", "cv.pdf"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..", "file"),
        (".hidden", "hidden"),
        ("Lebenslauf Jürgen.pdf", "Lebenslauf_J_rgen.pdf"),
    ],
)
def test_safe_file_name(name: str, expected: str) -> None:
    assert safe_file_name(name) == expected
