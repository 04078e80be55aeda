"""Fetch files by URL: attachment links Pinpoint returns and `data_url` inputs.

The API key goes only to the origin (scheme, host and port) of the account's API. Links
elsewhere, such as pre-signed storage URLs, are fetched without it, also when a redirect
leads there, so the key never reaches another host. A download stops as soon as it passes
its size limit, so an oversized file is never read in full.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from pipelines.pinpoint.errors import PinpointError, sanitize_url

__all__ = ["DownloadError", "Downloaded", "FileDownloader", "safe_file_name"]

_MAX_REDIRECTS = 5
_CHUNK_BYTES = 64 * 1024
_UNSAFE_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


class DownloadError(PinpointError):
    """A file could not be fetched; the message names the sanitised URL and the status."""


@dataclass(frozen=True)
class Downloaded:
    """A fetched file: its bytes and the media type its server declared, if any."""

    content: bytes
    content_type: str | None


class FileDownloader:
    """Fetch URLs with a size limit, sending the API key only to the API's own origin."""

    def __init__(
        self,
        api_base_url: str,
        api_key: str,
        *,
        timeout_seconds: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._origin = _origin(api_base_url)
        self._api_key = api_key
        self._http = httpx.Client(
            timeout=timeout_seconds, transport=transport, follow_redirects=False
        )

    def close(self) -> None:
        self._http.close()

    def fetch(self, url: str, max_bytes: int) -> Downloaded:
        """Return the file at `url`; raise `DownloadError` past `max_bytes` or on failure."""
        chunks: list[bytes] = []
        content_type = self._stream(url, max_bytes, chunks.append)
        return Downloaded(b"".join(chunks), content_type)

    def save(self, url: str, path: Path, max_bytes: int) -> int:
        """Write the file at `url` to `path` (replaced only when complete); return its size."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".download-")
        size = 0
        try:
            with os.fdopen(handle, "wb") as output:

                def write(chunk: bytes) -> None:
                    nonlocal size
                    size += len(chunk)
                    output.write(chunk)

                self._stream(url, max_bytes, write)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return size

    def _stream(self, url: str, max_bytes: int, sink: Callable[[bytes], None]) -> str | None:
        current = url
        for _ in range(_MAX_REDIRECTS + 1):
            if urlsplit(current).scheme not in {"http", "https"}:
                raise DownloadError(f"cannot download {sanitize_url(current)}: not an http(s) URL")
            headers = {"X-API-KEY": self._api_key} if _origin(current) == self._origin else {}
            try:
                with self._http.stream("GET", current, headers=headers) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        raise DownloadError(
                            f"download of {sanitize_url(current)} failed with HTTP "
                            f"{response.status_code}; links to files can expire, so read the "
                            "attachments again for a fresh link"
                        )
                    self._copy(response, max_bytes, current, sink)
                    header = response.headers.get("content-type")
                    return header.split(";")[0].strip().lower() if header else None
            except httpx.HTTPError as error:
                raise DownloadError(
                    f"download of {sanitize_url(current)} failed: {type(error).__name__}"
                ) from None
        raise DownloadError(f"download of {sanitize_url(url)} redirected more than 5 times")

    @staticmethod
    def _copy(
        response: httpx.Response, max_bytes: int, url: str, sink: Callable[[bytes], None]
    ) -> None:
        received = 0
        for chunk in response.iter_bytes(_CHUNK_BYTES):
            received += len(chunk)
            if received > max_bytes:
                raise DownloadError(
                    f"download of {sanitize_url(url)} is larger than {max_bytes // (1024 * 1024)} "
                    "MB, the limit for this file"
                )
            sink(chunk)


def safe_file_name(name: str, fallback: str = "file") -> str:
    """Return `name` reduced to letters, digits, dots, hyphens and underscores.

    Leading dots are removed, so the result is never hidden, `.` or `..`.
    """
    cleaned = _UNSAFE_NAME_CHARACTERS.sub("_", name).lstrip(".")[:120]
    return cleaned or fallback


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.scheme, (parts.hostname or "").lower(), parts.port or default_port)
