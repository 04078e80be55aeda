"""Run the sandbox over real HTTP with uvicorn, in a background thread or blocking.

``run_sandbox`` is what tests, benchmarks and ``pinpoint demo`` use::

    with run_sandbox(SandboxConfig(jobs=5, candidates=200, applications=300)) as sandbox:
        httpx.get(f"{sandbox.base_url}/jobs", headers={"X-API-KEY": sandbox.api_key})

uvicorn is started with ``log_config=None``, so it adds no logging handlers. Its request
lines go to the ``uvicorn.access`` logger at INFO. They show the path and query but not
the headers, so the API key never appears in them.
"""

from __future__ import annotations

import gc
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn

from pipelines.sandbox.app import AppServices, create_app
from pipelines.sandbox.clock import SandboxClock
from pipelines.sandbox.faults import FaultController, FaultPlan
from pipelines.sandbox.generate import SandboxConfig, generate_dataset
from pipelines.sandbox.middleware import API_PREFIX, RequestHook, RequestStats
from pipelines.sandbox.permissions import ApiKey, KeyRing, Permission
from pipelines.sandbox.simulate import ActivitySimulator, SimulationSummary
from pipelines.sandbox.store import SandboxStore

logger = logging.getLogger(__name__)

DEFAULT_API_KEY = "sandbox-key"
STARTUP_TIMEOUT_SECONDS = 30.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0
FREEZE_THRESHOLD = 50_000
"""Applications plus candidates from which the generated records are frozen (see
``_freeze_large_dataset``)."""
_POLL_INTERVAL_SECONDS = 0.01


@dataclass
class Sandbox:
    """A running sandbox: where to reach it, the state behind it and its test controls."""

    base_url: str
    """For example ``http://127.0.0.1:54321/api/v1``."""
    api_key: str = field(repr=False)
    store: SandboxStore = field(repr=False)
    clock: SandboxClock = field(repr=False)
    config: SandboxConfig = field(repr=False)
    faults: FaultController = field(default_factory=FaultController, repr=False)
    """Scripts and plans of injected failures; ``faults.script(path, tokens)``."""
    stats: RequestStats = field(default_factory=RequestStats, repr=False)
    """Requests counted by route and status; ``stats.count("/applications", 429)``."""
    keys: KeyRing | None = field(default=None, repr=False)
    services: AppServices = field(default_factory=AppServices, repr=False)
    simulator: ActivitySimulator | None = field(default=None, repr=False)

    def on_request(self, hook: RequestHook) -> Callable[[], None]:
        """Call ``hook`` with each API request before it is served; return a remover.

        Hooks run on the server's thread, in arrival order, before latency, rate limits
        and faults apply, so a hook may change the store between two page requests. An
        exception in a hook makes that request fail with 500.
        """
        hooks = self.services.hooks
        hooks.append(hook)

        def remove() -> None:
            if hook in hooks:
                hooks.remove(hook)

        return remove

    def simulate(
        self,
        hours: float = 24.0,
        events_per_hour: float | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> SimulationSummary:
        """Move the clock forward by ``hours`` with recruiting activity along the way.

        See ``ActivitySimulator.run``; ``clock.advance`` moves time without activity.
        """
        assert self.simulator is not None
        return self.simulator.run(hours, events_per_hour, weights)

    def add_key(self, key: ApiKey) -> None:
        """Accept another API key, for example one with fewer permissions."""
        assert self.keys is not None
        self.keys.add(key)


@contextmanager
def run_sandbox(
    config: SandboxConfig | None = None,
    api_key: str = DEFAULT_API_KEY,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: SandboxClock | None = None,
    *,
    permissions: Mapping[str, Permission | str] | None = None,
    default_permission: Permission | str = Permission.WRITE,
    keys: Sequence[ApiKey] = (),
    faults: FaultPlan | None = None,
) -> Iterator[Sandbox]:
    """Generate data, serve it on ``host:port`` in a background thread and yield a ``Sandbox``.

    Port 0 picks a free port. The server accepts requests before this yields, and stops
    when the block exits. ``clock`` replaces the default clock (real time, no offset).
    ``api_key`` gets ``permissions`` (area to ``none``/``read``/``write``; every area not
    named gets ``default_permission``), and ``keys`` adds more keys. ``faults`` sets the fault plan.
    Raises ``RuntimeError`` when the server does not start within
    ``STARTUP_TIMEOUT_SECONDS``.
    """
    key = ApiKey(api_key, permissions or {}, default_permission)
    sandbox, listener = _prepare(config, key, host, port, clock, keys, faults)
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
    *,
    permissions: Mapping[str, Permission | str] | None = None,
    default_permission: Permission | str = Permission.WRITE,
    keys: Sequence[ApiKey] = (),
    faults: FaultPlan | None = None,
    clock: SandboxClock | None = None,
) -> None:
    """Serve the sandbox in the calling thread until interrupted.

    Ctrl+C (SIGINT) stops the server gracefully and returns. On SIGTERM, uvicorn stops
    the server and then re-raises the signal, which ends the process. ``on_started``
    receives the ``Sandbox`` once its port is bound, before requests are served, so a
    command line tool can print the URL.
    """
    key = ApiKey(api_key, permissions or {}, default_permission)
    sandbox, listener = _prepare(config, key, host, port, clock, keys, faults)
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
    key: ApiKey,
    host: str,
    port: int,
    clock: SandboxClock | None,
    keys: Sequence[ApiKey],
    faults: FaultPlan | None,
) -> tuple[Sandbox, socket.socket]:
    config = config or SandboxConfig()
    clock = clock or SandboxClock()
    store = SandboxStore(generate_dataset(config, clock), clock)
    _freeze_large_dataset(store)
    key_ring = KeyRing([key, *keys])
    controller = FaultController(faults)
    stats = RequestStats()
    simulator = ActivitySimulator(store, config.seed)
    services = AppServices(
        faults=controller, stats=stats, simulate=lambda hours: simulator.run(hours).as_json()
    )
    listener = _bind(host, port)
    bound_host, bound_port = listener.getsockname()[:2]
    url_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    base_url = f"http://{url_host}:{bound_port}{API_PREFIX}"
    sandbox = Sandbox(
        base_url, key.key, store, clock, config, controller, stats, key_ring, services, simulator
    )
    return sandbox, listener


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
    assert sandbox.keys is not None
    app = create_app(sandbox.store, sandbox.keys, sandbox.services)
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


def _freeze_large_dataset(store: SandboxStore) -> None:
    """Exclude a large dataset from the cyclic garbage collector's scans.

    Millions of long-lived records made every full collection walk them all. In a process
    that also parses responses, such as the connector's tests and benchmarks, this cost
    more than serving did: parsing a 1.4 MB page beside 90,000 applications took 121 ms
    instead of 59 ms (measured on the two-core development machine).

    ``gc.freeze`` moves every object that exists now into a permanent generation, and
    reference counting still frees them once the store is gone. They stay frozen for the
    life of the process, because ``gc.unfreeze`` would thaw other callers' objects too.
    That only matters for cyclic garbage that already existed.
    """
    total = sum(store.count(type_name) for type_name in ("applications", "candidates"))
    if total >= FREEZE_THRESHOLD:
        gc.freeze()


def _stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    server.should_exit = True
    thread.join(SHUTDOWN_TIMEOUT_SECONDS)
    if thread.is_alive():
        logger.warning(
            "Sandbox server did not stop within %.0f s; forcing exit", SHUTDOWN_TIMEOUT_SECONDS
        )
        server.force_exit = True
        thread.join(SHUTDOWN_TIMEOUT_SECONDS)
