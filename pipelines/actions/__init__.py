"""Write actions on a Pinpoint account, in the unified shape, plus a raw passthrough.

Open an `ActionSession` for the account, then call an action with its JSON input::

    from pipelines.actions import ActionSession, create_application
    from pipelines.pinpoint.settings import resolve_settings

    with ActionSession(resolve_settings(), pipeline=make_pipeline()) as session:
        result = create_application(session, {"candidate": {...}, "application": {...}})

Every action checks its input before it sends anything and raises `ActionInputError`
listing every problem. `docs/actions.md` describes each input and output.
"""

from pipelines.actions.attachments import get_application_attachments, get_candidate_attachments
from pipelines.actions.create import create_application, create_candidate
from pipelines.actions.errors import ActionInputError, InputProblem
from pipelines.actions.notes import add_note
from pipelines.actions.passthrough import PassthroughResponse, passthrough
from pipelines.actions.result_links import add_result_link
from pipelines.actions.session import ActionSession, SourceDefaults, source_defaults_from_config
from pipelines.actions.stages import move_application_to_stage
from pipelines.actions.tracking import CREATED_RECORDS_TABLE, created_references

__all__ = [
    "CREATED_RECORDS_TABLE",
    "ActionInputError",
    "ActionSession",
    "InputProblem",
    "PassthroughResponse",
    "SourceDefaults",
    "add_note",
    "add_result_link",
    "create_application",
    "create_candidate",
    "created_references",
    "get_application_attachments",
    "get_candidate_attachments",
    "move_application_to_stage",
    "passthrough",
    "source_defaults_from_config",
]
