"""Run the sandbox over real HTTP with uvicorn, in a background thread or blocking.

``run_sandbox`` is what tests, benchmarks and ``pinpoint demo`` use::

    with run_sandbox(SandboxConfig(jobs=5, candidates=200, applications=300)) as sandbox:
        httpx.get(f"{sandbox.base_url}/jobs", headers={"X-API-KEY": sandbox.api_key})

uvicorn is started with ``log_config=None``, so it adds no logging handlers. Its request
lines go to the ``uvicorn.access`` logger at INFO. They show the path and query but not
the headers, so the API key never appears in them.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn

from pipelines.sandbox.app import API_PREFIX, create_app
from pipelines.sandbox.clock import SandboxClock
from pipelines.sandbox.generate import SandboxConfig, generate_dataset
from pipelines.sandbox.store import SandboxStore

logger = logging.getLogger(__name__)

DEFAULT_API_KEY = "sandbox-key"
STARTUP_TIMEOUT_SECONDS = 30.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0
_POLL_INTERVAL_SECONDS = 0.01


@dataclass
class Sandbox:
    """A running sandbox: where to reach it and the state behind it."""

    base_url: str
    """For example ``http://127.0.0.1:54321/api/v1``."""
    api_key: str = field(repr=False)
    store: SandboxStore = field(repr=False)
    clock: SandboxClock = field(repr=False)
    config: SandboxConfig = field(repr=False)


@contextmanager
def run_sandbox(
    config: SandboxConfig | None = None,
    api_key: str = DEFAULT_API_KEY,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: SandboxClock | None = None,
) -> Iterator[Sandbox]:
    """Generate data, serve it on ``host:port`` in a background thread and yield a ``Sandbox``.

    Port 0 picks a free port. The server accepts requests before this yields, and stops
    when the block exits. ``clock`` replaces the default clock (real time, no offset).
    Raises ``RuntimeError`` when the server does not start within
    ``STARTUP_TIMEOUT_SECONDS``.
    """
    sandbox, listener = _prepare(config, api_key, host, port, clock)
    server = _make_server(sandbox)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="pinpoint-sandbox", daemon=True
    )
    thread.start()
    try:
        _wait_until_started(server, thread)
        logger.info("Sandbox serving %s", sandbox.base_url)
        yield sandbox
    finally:
        _stop(server, thread)
        listener.close()
        logger.info("Sandbox at %s stopped", sandbox.base_url)


def serve(
    config: SandboxConfig | None = None,
    api_key: str = DEFAULT_API_KEY,
    host: str = "127.0.0.1",
    port: int = 0,
    on_started: Callable[[Sandbox], None] | None = None,
) -> None:
    """Serve the sandbox in the calling thread until interrupted.

    Ctrl+C (SIGINT) stops the server gracefully and returns. On SIGTERM, uvicorn stops
    the server and then re-raises the signal, which ends the process. ``on_started``
    receives the ``Sandbox`` once its port is bound, before requests are served, so a
    command line tool can print the URL.
    """
    sandbox, listener = _prepare(config, api_key, host, port, None)
    if on_started is not None:
        on_started(sandbox)
    logger.info("Sandbox serving %s", sandbox.base_url)
    try:
        _make_server(sandbox).run(sockets=[listener])
    except KeyboardInterrupt:
        # uvicorn re-raises the SIGINT it handled once the server has shut down.
        pass
    finally:
        listener.close()
        logger.info("Sandbox at %s stopped", sandbox.base_url)


def _prepare(
    config: SandboxConfig | None,
    api_key: str,
    host: str,
    port: int,
    clock: SandboxClock | None,
) -> tuple[Sandbox, socket.socket]:
    if not api_key:
        raise ValueError("api_key must not be empty")
    config = config or SandboxConfig()
    clock = clock or SandboxClock()
    store = SandboxStore(generate_dataset(config, clock), clock)
    listener = _bind(host, port)
    bound_host, bound_port = listener.getsockname()[:2]
    url_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    base_url = f"http://{url_host}:{bound_port}{API_PREFIX}"
    return Sandbox(base_url, api_key, store, clock, config), listener


def _bind(host: str, port: int) -> socket.socket:
    """Bind a listening socket first, so port 0 resolves to a real port before startup.

    The protocol is set to IPPROTO_TCP explicitly because asyncio (CPython 3.11) enables
    TCP_NODELAY only on sockets created with that protocol. Without it, a 6 KB response
    took 44 ms on loopback instead of 1 ms, waiting for the client's delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen()
    except OSError as error:
        listener.close()
        raise RuntimeError(f"cannot bind the sandbox to {host}:{port}: {error}") from error
    return listener


def _make_server(sandbox: Sandbox) -> uvicorn.Server:
    app = create_app(sandbox.store, sandbox.api_key)
    config = uvicorn.Config(
        app,
        log_config=None,
        lifespan="off",
        loop="asyncio",
        http="h11",
        ws="none",
        # The app sets Date from the sandbox clock; uvicorn's own header would use real time.
        date_header=False,
        server_header=False,
        timeout_graceful_shutdown=int(SHUTDOWN_TIMEOUT_SECONDS / 2),
    )
    return uvicorn.Server(config)


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(
                "the sandbox server stopped during startup; see the uvicorn.error log"
            )
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(
                f"the sandbox server did not start within {STARTUP_TIMEOUT_SECONDS:.0f} s"
            )
        time.sleep(_POLL_INTERVAL_SECONDS)


def _stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    server.should_exit = True
    thread.join(SHUTDOWN_TIMEOUT_SECONDS)
    if thread.is_alive():
        logger.warning(
            "Sandbox server did not stop within %.0f s; forcing exit", SHUTDOWN_TIMEOUT_SECONDS
        )
        server.force_exit = True
        thread.join(SHUTDOWN_TIMEOUT_SECONDS)
