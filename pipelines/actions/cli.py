"""Commands `pinpoint action ...`, `pinpoint passthrough`, `pinpoint check` and
`pinpoint coverage`, added to the `pinpoint` command by `register_commands`.

Actions read their JSON input from a file or stdin and print JSON to stdout. Exit codes:
0 success, 1 failed (Pinpoint unavailable, a download or the destination failed), 2
misconfigured or invalid input (missing settings, a rejected key, a missing permission,
input that failed the checks or that Pinpoint rejected with 400 or 422).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dlt.common.destination.exceptions import DestinationException
from rich.console import Console
from rich.markup import escape

from pipelines.actions.attachments import get_application_attachments, get_candidate_attachments
from pipelines.actions.create import create_application, create_candidate
from pipelines.actions.errors import ActionInputError, InputProblem
from pipelines.actions.notes import add_note
from pipelines.actions.passthrough import METHODS, passthrough
from pipelines.actions.result_links import add_result_link
from pipelines.actions.session import ActionSession, source_defaults_from_config
from pipelines.actions.stages import move_application_to_stage
from pipelines.check import ACTIONS, check_permissions, print_check_report
from pipelines.coverage import measure_coverage, print_coverage
from pipelines.pinpoint.client import PinpointClient
from pipelines.pinpoint.errors import (
    PinpointAuthenticationError,
    PinpointBadRequestError,
    PinpointConfigurationError,
    PinpointError,
    PinpointPermissionError,
    PinpointValidationError,
)
from pipelines.pinpoint.settings import DEFAULT_SECTION, account_section, resolve_settings
from pipelines.pinpoint.tables import TABLES
from pipelines.sync import (
    DEFAULT_DATASET,
    DEFAULT_DUCKDB_PATH,
    DEFAULT_PIPELINE_NAME,
    make_pipeline,
)

__all__ = ["register_commands"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2

Action = Callable[[ActionSession, Any], dict[str, Any]]

_ACTIONS: dict[str, tuple[Action, str]] = {
    "create-candidate": (create_candidate, "create a candidate by applying them to a job"),
    "create-application": (create_application, "create an application (and its candidate)"),
    "move-application-to-stage": (
        move_application_to_stage,
        "move an application to a stage of its job",
    ),
    "add-note": (add_note, "add a plain-text note to an application"),
    "add-result-link": (add_result_link, "add a result link (note and custom fields)"),
}
# Errors that repeating the same command cannot fix: settings, the key, or the input.
_MISCONFIGURED = (
    PinpointConfigurationError,
    PinpointAuthenticationError,
    PinpointPermissionError,
    PinpointBadRequestError,
    PinpointValidationError,
)


def register_commands(subparsers: Any) -> None:
    """Add `action`, `passthrough`, `check` and `coverage` to the `pinpoint` parser."""
    action = subparsers.add_parser(
        "action", help="run a write or read action on the account (JSON in, JSON out)"
    )
    actions = action.add_subparsers(dest="action_name", required=True)
    for name, (function, help_text) in _ACTIONS.items():
        parser = actions.add_parser(name, help=help_text)
        _add_input_argument(parser)
        _add_account_arguments(parser)
        _add_destination_arguments(parser, lookups=True)
        parser.set_defaults(handler=_run_action, action_function=function)
    for name, help_text in (
        ("get-application-attachments", 'list an application\'s files; input {"application_id"}'),
        ("get-candidate-attachments", 'list a candidate\'s files; input {"candidate_id"}'),
    ):
        parser = actions.add_parser(name, help=help_text)
        _add_input_argument(parser)
        parser.add_argument(
            "--download", type=Path, metavar="DIR", help="also save the files in DIR"
        )
        _add_account_arguments(parser)
        _add_destination_arguments(parser, lookups=True)
        parser.set_defaults(handler=_run_attachments)

    raw = subparsers.add_parser(
        "passthrough", help="call any endpoint under the account's /api/v1 with its key"
    )
    raw.add_argument("method", type=str.upper, choices=METHODS, help="HTTP method")
    raw.add_argument("path", help="path under the API root, e.g. /applications/12")
    raw.add_argument("--data", metavar="FILE", help="JSON request body from FILE, or - for stdin")
    raw.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="query parameter; repeatable"
    )
    _add_account_arguments(raw)
    raw.set_defaults(handler=_run_passthrough)

    check = subparsers.add_parser(
        "check", help="check that the API key has the permissions the tables and actions need"
    )
    check.add_argument("--tables", help=f"comma-separated tables (default: all {len(TABLES)})")
    check.add_argument(
        "--actions", help=f"comma-separated actions (default: all): {', '.join(ACTIONS)}"
    )
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    _add_account_arguments(check)
    check.set_defaults(handler=_run_check)

    coverage = subparsers.add_parser(
        "coverage", help="print the share of loaded rows with a value, per table and column"
    )
    coverage.add_argument("--tables", help="comma-separated tables (default: all)")
    coverage.add_argument("--only-account", metavar="ACCOUNT", help="count one account's rows")
    coverage.add_argument(
        "--include-deleted", action="store_true", help="also count rows marked deleted"
    )
    coverage.add_argument("--json", action="store_true", help="print the result as JSON")
    coverage.add_argument(
        "--account", metavar="NAME", help="use the pipeline of named account NAME"
    )
    _add_destination_arguments(coverage, lookups=False)
    coverage.set_defaults(handler=_run_coverage)


def _add_input_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input", nargs="?", default="-", help="JSON input file, or - for stdin (default)"
    )


def _add_account_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="API root of a Pinpoint-compatible server")
    parser.add_argument("--subdomain", help="account subdomain (acme for acme.pinpointhq.com)")
    parser.add_argument(
        "--account", metavar="NAME", help="use named account NAME from [sources.pinpoint.accounts]"
    )


def _add_destination_arguments(parser: argparse.ArgumentParser, *, lookups: bool) -> None:
    parser.add_argument("--destination", default="duckdb", help="dlt destination (default: duckdb)")
    parser.add_argument("--dataset", default=DEFAULT_DATASET, help="dataset the sync loads into")
    parser.add_argument(
        "--duckdb-path",
        type=Path,
        default=DEFAULT_DUCKDB_PATH,
        help=f"DuckDB file of the duckdb destination (default: ./{DEFAULT_DUCKDB_PATH})",
    )
    parser.add_argument("--pipelines-dir", type=Path, help="where dlt keeps pipeline state")
    if lookups:
        parser.add_argument(
            "--no-destination",
            action="store_true",
            help="use no destination: ids must be remote:<id> (job ids excepted) and created "
            "records are not tracked",
        )


def _run_action(arguments: argparse.Namespace, console: Console) -> int:
    function: Action = arguments.action_function
    return _run_with_session(arguments, console, lambda session, data: function(session, data))


def _run_attachments(arguments: argparse.Namespace, console: Console) -> int:
    def run(session: ActionSession, data: Any) -> Any:
        wanted = "application_id" if arguments.action_name.startswith("get-app") else "candidate_id"
        if not isinstance(data, dict):
            raise ActionInputError([InputProblem("(input)", f"must be an object with {wanted}")])
        if wanted == "application_id":
            return get_application_attachments(
                session, data.get("application_id", ""), arguments.download
            )
        return get_candidate_attachments(session, data.get("candidate_id", ""), arguments.download)

    return _run_with_session(arguments, console, run)


def _run_with_session(
    arguments: argparse.Namespace,
    console: Console,
    run: Callable[[ActionSession, Any], Any],
) -> int:
    try:
        data = _read_json(arguments.input)
        settings, section, pipeline_name = _settings(arguments)
        pipeline = None
        if not arguments.no_destination:
            pipeline = make_pipeline(
                destination=arguments.destination,
                dataset=arguments.dataset,
                pipeline_name=pipeline_name,
                pipelines_dir=arguments.pipelines_dir,
                duckdb_path=arguments.duckdb_path,
            )
        source = source_defaults_from_config(section)
        with ActionSession(settings, pipeline=pipeline, source=source) as session:
            result = run(session, data)
    except PinpointError as error:
        return _print_error(console, error)
    _print_json(console, result)
    return EXIT_OK


def _run_passthrough(arguments: argparse.Namespace, console: Console) -> int:
    try:
        body = _read_json(arguments.data) if arguments.data else None
        params = _parse_params(arguments.param)
        settings, _, _ = _settings(arguments)
        with ActionSession(settings) as session:
            response = passthrough(
                session, arguments.method, arguments.path, params=params, json=body
            )
    except PinpointError as error:
        return _print_error(console, error)
    _print_json(console, response.as_json())
    return EXIT_OK


def _run_check(arguments: argparse.Namespace, console: Console) -> int:
    try:
        tables = _names(arguments.tables, TABLES, "--tables")
        actions = _names(arguments.actions, ACTIONS, "--actions")
        settings, _, _ = _settings(arguments)
        with PinpointClient(settings.base_url, settings.api_key) as client:
            report = check_permissions(client, tables, actions)
    except PinpointError as error:
        return _print_error(console, error, as_json=arguments.json)
    if arguments.json:
        _print_json(console, report.as_json())
    else:
        print_check_report(console, report)
    if report.ok:
        return EXIT_OK
    missing = any(scope.missing for scope in report.scopes)
    return EXIT_INVALID if missing else EXIT_FAILED


def _run_coverage(arguments: argparse.Namespace, console: Console) -> int:
    try:
        tables = _names(arguments.tables, TABLES, "--tables")
        name = DEFAULT_PIPELINE_NAME
        if arguments.account:
            account_section(arguments.account)
            name = f"{DEFAULT_PIPELINE_NAME}_{arguments.account}"
        pipeline = make_pipeline(
            destination=arguments.destination,
            dataset=arguments.dataset,
            pipeline_name=name,
            pipelines_dir=arguments.pipelines_dir,
            duckdb_path=arguments.duckdb_path,
        )
        coverage = measure_coverage(
            pipeline,
            tables=tables,
            account=arguments.only_account,
            include_deleted=arguments.include_deleted,
        )
    except PinpointError as error:
        return _print_error(console, error, as_json=arguments.json)
    except DestinationException as error:
        message = f"reading dataset {arguments.dataset} failed: {type(error).__name__}: {error}"
        return _print_error(console, PinpointError(message), as_json=arguments.json)
    if arguments.json:
        _print_json(console, [item.as_json() for item in coverage])
    else:
        print_coverage(console, coverage)
    return EXIT_OK


def _settings(arguments: argparse.Namespace) -> tuple[Any, str, str]:
    """Return the settings, their config section and the pipeline name of the account."""
    section, pipeline_name = DEFAULT_SECTION, DEFAULT_PIPELINE_NAME
    if arguments.account:
        section = account_section(arguments.account)
        pipeline_name = f"{DEFAULT_PIPELINE_NAME}_{arguments.account}"
    settings = resolve_settings(
        subdomain=arguments.subdomain,
        base_url=arguments.base_url,
        account=arguments.account,
        section=section,
    )
    return settings, section, pipeline_name


def _read_json(source: str) -> Any:
    label = "stdin" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise PinpointConfigurationError(
            f"cannot read the JSON input {label}: {error.strerror}"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PinpointConfigurationError(
            f"the JSON input {label} is invalid at line {error.lineno} column {error.colno}: "
            f"{error.msg}"
        ) from None


def _parse_params(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        name, separator, value = item.partition("=")
        if not separator or not name:
            raise PinpointConfigurationError(
                f"--param {item!r} is invalid: use NAME=VALUE, e.g. --param page[size]=10"
            )
        params[name] = value
    return params


def _names(option: str | None, valid: Any, flag: str) -> list[str] | None:
    if not option:
        return None
    names = [name.strip().replace("-", "_") for name in option.split(",") if name.strip()]
    unknown = sorted(set(names) - set(valid))
    if unknown:
        raise PinpointConfigurationError(
            f"{flag}: unknown name(s) {', '.join(unknown)}; valid: {', '.join(valid)}"
        )
    return names


def _print_json(console: Console, value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False), file=console.file)


def _print_error(console: Console, error: PinpointError, *, as_json: bool = True) -> int:
    """Print the error on stderr, and as JSON on stdout; return the exit code."""
    if isinstance(error, ActionInputError):
        document: dict[str, Any] = error.as_json()
        code = EXIT_INVALID
    else:
        code = EXIT_INVALID if isinstance(error, _MISCONFIGURED) else EXIT_FAILED
        document = {"error": type(error).__name__, "message": str(error)}
    if as_json:
        _print_json(console, document)
    Console(stderr=True).print(
        f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True
    )
    return code
