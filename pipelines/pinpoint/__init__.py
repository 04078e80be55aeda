"""The Pinpoint dlt source, its HTTP client and the unified-model mappers."""

from pipelines.pinpoint.client import PinpointClient, RetryPolicy
from pipelines.pinpoint.errors import (
    PinpointAuthenticationError,
    PinpointConfigurationError,
    PinpointError,
    PinpointHTTPError,
)
from pipelines.pinpoint.settings import PinpointSettings, resolve_settings
from pipelines.pinpoint.source import pinpoint_source
from pipelines.pinpoint.tables import TABLES

__all__ = [
    "TABLES",
    "PinpointAuthenticationError",
    "PinpointClient",
    "PinpointConfigurationError",
    "PinpointError",
    "PinpointHTTPError",
    "PinpointSettings",
    "RetryPolicy",
    "pinpoint_source",
    "resolve_settings",
]
