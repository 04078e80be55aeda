"""A local Pinpoint-compatible API server with deterministic generated data.

``run_sandbox`` serves a generated account over real HTTP on loopback. Tests change its
data through ``Sandbox.store`` and move its time with ``Sandbox.clock``.
"""

from pipelines.sandbox.clock import SandboxClock
from pipelines.sandbox.generate import SandboxConfig
from pipelines.sandbox.server import Sandbox, run_sandbox, serve

__all__ = ["Sandbox", "SandboxClock", "SandboxConfig", "run_sandbox", "serve"]
