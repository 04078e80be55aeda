"""A local Pinpoint-compatible API server with deterministic generated data.

``run_sandbox`` serves a generated account over real HTTP on loopback. Tests change its
data through ``Sandbox.store``, move its time with ``Sandbox.clock`` or produce activity
with ``Sandbox.simulate``, restrict keys with ``permissions`` and inject failures with a
``FaultPlan`` and ``Sandbox.faults.script``. ``docs/sandbox.md`` describes it all.
"""

from pipelines.sandbox.cli import add_serve_arguments, serve_from_arguments
from pipelines.sandbox.clock import SandboxClock
from pipelines.sandbox.faults import FaultPlan, RateLimit
from pipelines.sandbox.generate import SandboxConfig
from pipelines.sandbox.middleware import SandboxRequest
from pipelines.sandbox.permissions import AREAS, ApiKey, Permission
from pipelines.sandbox.server import Sandbox, run_sandbox, serve
from pipelines.sandbox.simulation_results import SimulationEvent, SimulationSummary

__all__ = [
    "AREAS",
    "ApiKey",
    "FaultPlan",
    "Permission",
    "RateLimit",
    "Sandbox",
    "SandboxClock",
    "SandboxConfig",
    "SandboxRequest",
    "SimulationEvent",
    "SimulationSummary",
    "add_serve_arguments",
    "run_sandbox",
    "serve",
    "serve_from_arguments",
]
