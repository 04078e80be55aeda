"""The `pinpoint` command: demo, sync, report and a local sandbox server.

Exit codes: 0 success, 1 the sync or report failed, 2 the configuration is missing or
invalid (including a rejected API key), 3 some accounts synced and others did not.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import shutil
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dlt
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.table import Table

from pipelines.accounts import (
    EXIT_FAILED,
    EXIT_MISCONFIGURED,
    EXIT_OK,
    AccountTarget,
    sync_accounts,
    targets_from_config,
)
from pipelines.actions.cli import register_commands
from pipelines.argument_types import positive_int, positive_number
from pipelines.duckdb_settings import DEFAULT_DUCKDB_MEMORY_LIMIT, resolve_duckdb_memory_limit
from pipelines.pinpoint.errors import (
    PinpointAuthenticationError,
    PinpointConfigurationError,
    PinpointError,
    PinpointPermissionError,
)
from pipelines.pinpoint.privacy import resolve_privacy
from pipelines.pinpoint.settings import resolve_settings
from pipelines.pinpoint.tables import TABLES
from pipelines.progress_display import ProgressDisplay
from pipelines.reporting import build_reports, reports_schema_name
from pipelines.reporting.display import print_reports
from pipelines.sandbox.cli import add_serve_arguments, serve_from_arguments
from pipelines.sync import (
    DEFAULT_DATASET,
    DEFAULT_DUCKDB_PATH,
    AfterLoadError,
    SyncResult,
    make_pipeline,
    report_failure_reason,
    run_sync,
)

__all__ = ["main"]


logger = logging.getLogger("pipelines.cli")

# File that marks a folder as written by `pinpoint demo`, so a later run may empty it.
DEMO_FOLDER_MARKER = ".pinpoint-demo"


def main(argv: Sequence[str] | None = None) -> int:
    # dlt sends anonymous usage telemetry to its servers by default. The connector talks
    # to Pinpoint and the destination only, unless the user turns telemetry back on.
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    parser = _build_parser()
    arguments = parser.parse_args(argv)
    _configure_logging(arguments.verbose)
    console = Console(stderr=False)
    errors = Console(stderr=True)
    try:
        return int(arguments.handler(arguments, console))
    except (
        PinpointConfigurationError,
        PinpointAuthenticationError,
        PinpointPermissionError,
    ) as error:
        errors.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        return EXIT_MISCONFIGURED
    except PinpointError as error:
        errors.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        errors.print("interrupted; the incremental state was not advanced")
        return EXIT_FAILED


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pinpoint",
        description="Load a Pinpoint ATS account into DuckDB or a warehouse as unified tables.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each endpoint read")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="sync a generated sandbox account into a local DuckDB file (no account needed)"
    )
    demo.add_argument(
        "--dir",
        type=Path,
        default=Path("pinpoint_demo"),
        help="folder for the DuckDB file and pipeline state (default: ./pinpoint_demo). It "
        "must be new, empty or written by an earlier demo run, whose files the demo replaces",
    )
    demo.add_argument("--seed", type=int, default=42, help="seed of the generated data")
    demo.add_argument(
        "--privacy",
        metavar="PRESET_OR_FILE",
        help="privacy policy for the demo data: none (default), analytics, strict or a TOML file",
    )
    demo.set_defaults(handler=_run_demo)

    sync = commands.add_parser("sync", help="sync a Pinpoint account (delta by default)")
    sync.add_argument("--base-url", help="API root of a Pinpoint-compatible server, e.g. a sandbox")
    sync.add_argument("--subdomain", help="account subdomain (acme for acme.pinpointhq.com)")
    sync.add_argument(
        "--destination", default="duckdb", help="dlt destination name (default: duckdb)"
    )
    sync.add_argument(
        "--dataset",
        default=DEFAULT_DATASET,
        help=f"dataset (schema) name (default: {DEFAULT_DATASET})",
    )
    sync.add_argument(
        "--duckdb-path",
        type=Path,
        default=DEFAULT_DUCKDB_PATH,
        help=f"DuckDB file, used with the duckdb destination (default: ./{DEFAULT_DUCKDB_PATH})",
    )
    _add_duckdb_memory_limit_argument(sync)
    sync.add_argument("--pipelines-dir", type=Path, help="where dlt keeps pipeline state")
    sync.add_argument(
        "--full",
        action="store_true",
        help="re-read every record instead of changes since the last run",
    )
    sync.add_argument(
        "--tables", help=f"comma-separated tables to sync (default: all {len(TABLES)})"
    )
    sync.add_argument(
        "--account",
        action="append",
        metavar="NAME",
        help="sync the named account from [sources.pinpoint.accounts.NAME]; repeatable",
    )
    sync.add_argument(
        "--all-accounts", action="store_true", help="sync every configured named account"
    )
    sync.add_argument(
        "--dataset-per-account",
        action="store_true",
        help="load each named account into its own dataset, DATASET_NAME",
    )
    sync.add_argument(
        "--concurrency",
        type=_concurrency_limit,
        default=4,
        help="maximum requests in flight (default 4); the request rate, not this number, "
        "is lowered after HTTP 429",
    )
    sync.add_argument(
        "--max-requests-per-second",
        type=_requests_per_second,
        help="cap on requests per second from the start (default: none until Pinpoint "
        "answers HTTP 429)",
    )
    sync.add_argument(
        "--only-created",
        action="store_true",
        help="load only the candidates and applications created through `pinpoint action` "
        "(use a dataset of its own)",
    )
    sync.add_argument(
        "--privacy",
        metavar="PRESET_OR_FILE",
        help="privacy policy: none, analytics, strict or a TOML file "
        "(default: [sources.pinpoint] privacy, else none); see docs/privacy.md",
    )
    sync.add_argument(
        "--summary-json",
        metavar="PATH",
        help="write a JSON run summary to PATH, or to stdout with -",
    )
    sync.set_defaults(handler=_run_sync_command)

    report = commands.add_parser(
        "report", help="rebuild the reporting tables and print the key tables"
    )
    report.add_argument("--destination", default="duckdb")
    report.add_argument("--dataset", default=DEFAULT_DATASET)
    report.add_argument("--duckdb-path", type=Path, default=DEFAULT_DUCKDB_PATH)
    _add_duckdb_memory_limit_argument(report)
    report.add_argument("--pipelines-dir", type=Path)
    report.set_defaults(handler=_run_report)

    sandbox = commands.add_parser("sandbox", help="the local Pinpoint-compatible sandbox")
    sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", required=True)
    serve = sandbox_commands.add_parser(
        "serve", help="serve a generated Pinpoint-compatible API on 127.0.0.1 until Ctrl+C"
    )
    add_serve_arguments(serve)
    serve.set_defaults(handler=_run_sandbox)

    register_commands(commands)
    return parser


def _add_duckdb_memory_limit_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--duckdb-memory-limit",
        metavar="SIZE",
        help="DuckDB's memory limit with the duckdb destination, such as 1GiB or 2GB. Above "
        "it, DuckDB uses disk space next to the DuckDB file (default: [sources.pinpoint] "
        f"duckdb_memory_limit, else {DEFAULT_DUCKDB_MEMORY_LIMIT})",
    )


def _resolved_memory_limit(arguments: argparse.Namespace) -> str | None:
    """Return the validated DuckDB memory limit, or None for destinations other than duckdb."""
    if arguments.destination != "duckdb":
        if arguments.duckdb_memory_limit is not None:
            logger.warning(
                "--duckdb-memory-limit applies to the duckdb destination only; ignored with "
                "--destination %s",
                arguments.destination,
            )
        return None
    return resolve_duckdb_memory_limit(arguments.duckdb_memory_limit)


def _run_demo(arguments: argparse.Namespace, console: Console) -> int:
    from pipelines.sandbox import SandboxConfig, run_sandbox

    folder: Path = arguments.dir
    # The demo's people are generated, so a throwaway key pseudonymises them unless a key
    # is configured.
    privacy = resolve_privacy(arguments.privacy or "none")
    privacy_options = privacy.sync_options(key=_configured_privacy_key() or secrets.token_hex(32))
    _prepare_demo_folder(folder)
    duckdb_path = folder / "pinpoint_demo.duckdb"

    console.print(f"Starting the sandbox (seed {arguments.seed}) on 127.0.0.1 ...")
    # History ends an hour ago, well outside the sync's lag behind the server clock.
    anchor = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with run_sandbox(SandboxConfig(seed=arguments.seed, anchor=anchor)) as sandbox:
        settings = resolve_settings(
            api_key=sandbox.api_key, base_url=sandbox.base_url, account="sandbox"
        )
        pipeline = make_pipeline(
            dataset=DEFAULT_DATASET,
            pipelines_dir=folder / "pipelines",
            duckdb_path=duckdb_path,
            pipeline_name="pinpoint_demo",
        )
        with ProgressDisplay(console) as progress:
            result = run_sync(settings, pipeline, full=True, progress=progress, **privacy_options)
    _print_summary(console, result, totals=_table_counts(pipeline))
    print_reports(console, pipeline, jobs=3)
    reports = reports_schema_name(DEFAULT_DATASET)
    console.print(
        f"\nData is in [bold]{duckdb_path}[/]: open it with duckdb and query "
        f"{DEFAULT_DATASET}.applications or {reports}.job_stage_funnel."
    )
    return EXIT_OK


def _prepare_demo_folder(folder: Path) -> None:
    """Create the demo's folder, or empty one that an earlier demo run wrote.

    Raises PinpointConfigurationError, before deleting anything, when the folder is a file,
    contains files the demo did not write, or is the current directory or a parent of it.
    """
    if folder.exists() and not folder.is_dir():
        raise PinpointConfigurationError(
            f"--dir {folder} is a file, not a folder; choose another --dir"
        )
    resolved = folder.resolve()
    current = Path.cwd().resolve()
    if resolved == current or resolved in current.parents:
        raise PinpointConfigurationError(
            f"--dir {folder} is the current directory or one of its parents, and the demo "
            "deletes the contents of its folder on later runs; choose another --dir"
        )
    try:
        if folder.is_dir() and any(folder.iterdir()):
            if not _written_by_demo(folder):
                raise PinpointConfigurationError(
                    f"--dir {folder} is not empty and was not written by `pinpoint demo`, "
                    "which replaces the contents of its folder; choose another --dir or "
                    "empty the folder"
                )
            _delete_contents(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / DEMO_FOLDER_MARKER).write_text(
            "Written by `pinpoint demo`. The next demo run into this folder deletes all of "
            "its contents.\n",
            encoding="utf-8",
        )
    except OSError as error:
        raise PinpointConfigurationError(
            f"preparing the demo folder {folder} failed: {error.strerror or error}; "
            "choose another --dir"
        ) from None


def _written_by_demo(folder: Path) -> bool:
    """Return whether `folder` contains the demo's marker or the layout of an older demo.

    Demo runs before the marker existed left exactly pinpoint_demo.duckdb (and a .wal
    after a crash) and pipelines/pinpoint_demo.
    """
    if (folder / DEMO_FOLDER_MARKER).is_file():
        return True
    names = {entry.name for entry in folder.iterdir()}
    if "pinpoint_demo.duckdb" not in names:
        return False
    if not names <= {"pinpoint_demo.duckdb", "pinpoint_demo.duckdb.wal", "pipelines"}:
        return False
    if "pipelines" not in names:
        return True
    pipelines = folder / "pipelines"
    if pipelines.is_symlink() or not pipelines.is_dir():
        return False
    return {entry.name for entry in pipelines.iterdir()} <= {"pinpoint_demo"}


def _delete_contents(folder: Path) -> None:
    # Deleting the entries rather than the folder keeps a symbolic link or the folder's
    # permissions as the user set them up. Linked folders are unlinked, not followed.
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _configured_privacy_key() -> str | None:
    try:
        value: object = dlt.secrets.get("sources.pinpoint.privacy_key")
    except Exception:  # an unreadable secrets file: the demo falls back to a throwaway key
        return None
    return str(value) if value else None


def _run_sync_command(arguments: argparse.Namespace, console: Console) -> int:
    tables = _parse_tables(arguments.tables)
    targets = _account_targets(arguments)
    # Resolved before any request, so a missing pseudonymisation key exits with code 2.
    privacy = resolve_privacy(arguments.privacy).sync_options()
    # Checked once here, so an invalid limit exits with code 2 before any account runs.
    memory_limit = _resolved_memory_limit(arguments)
    summary_to_stdout = arguments.summary_json == "-"
    if summary_to_stdout:
        # Keep stdout for the JSON document alone.
        console = Console(stderr=True)
    with ProgressDisplay(console) as progress:
        summary = sync_accounts(
            targets,
            destination=arguments.destination,
            dataset=arguments.dataset,
            dataset_per_account=arguments.dataset_per_account,
            full=arguments.full,
            pipelines_dir=arguments.pipelines_dir,
            duckdb_path=arguments.duckdb_path,
            duckdb_memory_limit=memory_limit,
            tables=tables,
            progress=progress,
            max_concurrency=arguments.concurrency,
            max_requests_per_second=arguments.max_requests_per_second,
            only_created=arguments.only_created,
            **privacy,
        )
    for outcome in summary.outcomes:
        if outcome.result is not None:
            _print_summary(console, outcome.result, outcome.account)
    errors = Console(stderr=True)
    for outcome in summary.outcomes:
        if outcome.status != "success":
            errors.print(
                f"[bold red]error:[/] account {outcome.account} {outcome.status}: "
                f"{escape(str(outcome.error))}",
                highlight=False,
                soft_wrap=True,
            )
    if arguments.summary_json:
        document = json.dumps(summary.to_json(), indent=2)
        if summary_to_stdout:
            print(document)
        else:
            Path(arguments.summary_json).write_text(document + "\n")
    if len(targets) == 1 and summary.outcomes[0].status == "misconfigured":
        return EXIT_MISCONFIGURED
    return summary.exit_code


def _concurrency_limit(text: str) -> int:
    try:
        return positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}: expected a whole number of requests in flight of at "
            "least 1, such as 4"
        ) from None


def _requests_per_second(text: str) -> float:
    try:
        return positive_number(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}: expected a positive number of requests per second, such as 5"
        ) from None


def _parse_tables(option: str | None) -> list[str] | None:
    if not option:
        return None
    tables = [name.strip() for name in option.split(",") if name.strip()]
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise PinpointConfigurationError(
            f"--tables: unknown table(s) {', '.join(unknown)}; "
            f"valid tables: {', '.join(sorted(TABLES))}"
        )
    return tables


def _account_targets(arguments: argparse.Namespace) -> list[AccountTarget]:
    return targets_from_config(
        names=arguments.account,
        all_accounts=arguments.all_accounts,
        subdomain=arguments.subdomain,
        base_url=arguments.base_url,
    )


def _run_report(arguments: argparse.Namespace, console: Console) -> int:
    pipeline = make_pipeline(
        destination=arguments.destination,
        dataset=arguments.dataset,
        pipelines_dir=arguments.pipelines_dir,
        duckdb_path=arguments.duckdb_path,
        duckdb_memory_limit=_resolved_memory_limit(arguments),
    )
    try:
        built = build_reports(pipeline)
    except PinpointError:
        raise
    except Exception as error:
        raise AfterLoadError(
            f"building the reports failed: {report_failure_reason(error)}"
        ) from None
    console.print(f"Rebuilt {', '.join(built)} in {reports_schema_name(pipeline.dataset_name)}")
    print_reports(console, pipeline, jobs=3)
    return EXIT_OK


def _run_sandbox(arguments: argparse.Namespace, console: Console) -> int:
    try:
        return serve_from_arguments(arguments, console.print)
    except ValueError as error:
        raise PinpointConfigurationError(f"pinpoint sandbox serve: {error}") from None


def _print_summary(
    console: Console,
    result: SyncResult,
    account: str | None = None,
    totals: dict[str, int] | None = None,
) -> None:
    title = f"Dataset {result.dataset} ({result.destination})"
    if account:
        title = f"Account {account}: {title}"
    table = Table(title=title)
    table.add_column("table")
    table.add_column("rows written", justify="right")
    table.add_column("marked deleted", justify="right")
    if totals is not None:
        table.add_column("rows in table", justify="right")
    for name in TABLES:
        cells = [
            name,
            f"{result.rows_loaded.get(name, 0):,}",
            f"{result.rows_marked_deleted.get(name, 0):,}",
        ]
        if totals is not None:
            cells.append(f"{totals.get(name, 0):,}")
        table.add_row(*cells)
    console.print(table)
    console.print(
        f"{result.requests:,} requests, {result.retries:,} retries, {result.seconds:.1f} s; "
        f"reports rebuilt: {', '.join(result.reports) or 'none'}"
    )


def _table_counts(pipeline: dlt.Pipeline) -> dict[str, int]:
    counts = {}
    with pipeline.sql_client() as client:
        for name in TABLES:
            try:
                rows = client.execute_sql(
                    f"select count(*) from {client.make_qualified_table_name(name)}"
                )
            except Exception:  # the table does not exist yet when a run loaded nothing into it
                continue
            counts[name] = int(rows[0][0]) if rows else 0
    return counts


class _ArrowJsonHintFilter(logging.Filter):
    """Drop dlt's warning that JSON columns arrive in Arrow as text.

    The connector sends JSON columns as Arrow strings and declares them `json` on purpose,
    because dlt 1.31 accepts no Arrow JSON type. dlt then warns once per resource.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "when merging arrow schema with dlt schema" not in record.getMessage()


class _DltRetryFilter(logging.Filter):
    """Drop dlt's tracebacks and its per-job retry warnings; `--verbose` keeps them.

    When a load job fails, dlt logs a full traceback for every job and every retry, 80 of
    them for one out-of-memory load, which buries the one error line the CLI prints.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Transient exception in job"):
            return False
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def _configure_logging(verbose: bool) -> None:
    handler = RichHandler(console=Console(stderr=True), show_path=False, show_time=False)
    logging.basicConfig(level=logging.WARNING, handlers=[handler], format="%(message)s")
    logging.getLogger("dlt").addFilter(_ArrowJsonHintFilter())
    if not verbose:
        logging.getLogger("dlt").addFilter(_DltRetryFilter())
    # httpx logs every request URL at INFO; the client logs its own sanitised lines.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if verbose:
        logging.getLogger("pipelines").setLevel(logging.INFO)


if __name__ == "__main__":
    sys.exit(main())
