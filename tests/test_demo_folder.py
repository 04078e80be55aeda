"""`pinpoint demo --dir`: the demo deletes only files that an earlier demo run wrote."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.cli import (
    DEMO_FOLDER_MARKER,
    EXIT_MISCONFIGURED,
    EXIT_OK,
    _prepare_demo_folder,
    main,
)
from pipelines.pinpoint.errors import PinpointConfigurationError


@pytest.fixture
def workspace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_demo_keeps_foreign_folder(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    precious = write(workspace / "keep" / "precious.txt", "do not delete")

    exit_code = main(["demo", "--dir", "keep"])

    error = capsys.readouterr().err
    assert exit_code == EXIT_MISCONFIGURED
    assert precious.read_text() == "do not delete"
    assert not (workspace / "keep" / DEMO_FOLDER_MARKER).exists()
    assert "--dir keep is not empty" in error
    assert "choose another --dir or empty the folder" in error
    assert "Traceback" not in error


def test_demo_keeps_current_directory(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = write(workspace / "notes.txt", "notes")
    data = write(workspace / "sub" / "data.csv", "a,b\n")

    exit_code = main(["demo", "--dir", "."])

    error = capsys.readouterr().err
    assert exit_code == EXIT_MISCONFIGURED
    assert notes.read_text() == "notes"
    assert data.read_text() == "a,b\n"
    assert "--dir . is the current directory" in error
    assert "Traceback" not in error


def test_demo_keeps_marked_current_directory(workspace: Path) -> None:
    write(workspace / DEMO_FOLDER_MARKER, "")
    notes = write(workspace / "notes.txt", "notes")

    assert main(["demo", "--dir", "."]) == EXIT_MISCONFIGURED
    assert notes.exists()


def test_demo_keeps_parent_of_current_directory(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(workspace / "demo" / DEMO_FOLDER_MARKER, "")
    inner = write(workspace / "demo" / "inner" / "file.txt", "inner")
    monkeypatch.chdir(inner.parent)

    assert main(["demo", "--dir", ".."]) == EXIT_MISCONFIGURED
    assert main(["demo", "--dir", str(workspace)]) == EXIT_MISCONFIGURED
    assert inner.exists()


def test_demo_rejects_file_as_folder(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = write(workspace / "demo", "a file")

    assert main(["demo", "--dir", "demo"]) == EXIT_MISCONFIGURED
    assert target.read_text() == "a file"
    assert "is a file, not a folder" in capsys.readouterr().err


def test_demo_reuses_empty_then_own_folder(workspace: Path) -> None:
    folder = workspace / "empty"
    folder.mkdir()

    assert main(["demo", "--dir", "empty"]) == EXIT_OK
    assert (folder / DEMO_FOLDER_MARKER).is_file()
    leftover = write(folder / "leftover.txt", "from the first run")

    assert main(["demo", "--dir", "empty"]) == EXIT_OK
    assert not leftover.exists()
    assert (folder / DEMO_FOLDER_MARKER).is_file()
    with duckdb.connect(str(folder / "pinpoint_demo.duckdb"), read_only=True) as connection:
        duplicates = connection.execute(
            "select count(*) - count(distinct id) from pinpoint.applications"
        ).fetchone()
    assert duplicates == (0,)


def test_prepare_creates_marked_folder(workspace: Path) -> None:
    folder = workspace / "new" / "demo"

    _prepare_demo_folder(folder)

    assert [entry.name for entry in folder.iterdir()] == [DEMO_FOLDER_MARKER]


def test_prepare_empties_older_demo_layout(workspace: Path) -> None:
    """A folder from a demo run before the marker existed is still replaced."""
    folder = workspace / "pinpoint_demo"
    write(folder / "pinpoint_demo.duckdb", "")
    write(folder / "pipelines" / "pinpoint_demo" / "state.json", "{}")

    _prepare_demo_folder(folder)

    assert [entry.name for entry in folder.iterdir()] == [DEMO_FOLDER_MARKER]


@pytest.mark.parametrize(
    "foreign",
    ["notes.txt", "pipelines/other_pipeline/state.json"],
)
def test_prepare_keeps_older_layout_with_extra(workspace: Path, foreign: str) -> None:
    folder = workspace / "pinpoint_demo"
    write(folder / "pinpoint_demo.duckdb", "")
    write(folder / "pipelines" / "pinpoint_demo" / "state.json", "{}")
    extra = write(folder / foreign, "keep")

    with pytest.raises(PinpointConfigurationError, match="is not empty"):
        _prepare_demo_folder(folder)
    assert extra.read_text() == "keep"
    assert (folder / "pinpoint_demo.duckdb").exists()


def test_prepare_rejects_unmarked_dlt_folder(workspace: Path) -> None:
    """A folder with only dlt pipeline state, such as ~/.dlt, is not a demo folder."""
    folder = workspace / "dot_dlt"
    state = write(folder / "pipelines" / "pinpoint_demo" / "state.json", "{}")

    with pytest.raises(PinpointConfigurationError):
        _prepare_demo_folder(folder)
    assert state.exists()


def test_prepare_unlinks_without_following(workspace: Path) -> None:
    outside = write(workspace / "outside" / "precious.txt", "keep")
    folder = workspace / "demo"
    write(folder / DEMO_FOLDER_MARKER, "")
    (folder / "linked_folder").symlink_to(outside.parent, target_is_directory=True)
    (folder / "linked_file").symlink_to(outside)

    _prepare_demo_folder(folder)

    assert [entry.name for entry in folder.iterdir()] == [DEMO_FOLDER_MARKER]
    assert outside.read_text() == "keep"


def test_prepare_keeps_linked_demo_folder(workspace: Path) -> None:
    target = workspace / "real_demo"
    write(target / DEMO_FOLDER_MARKER, "")
    write(target / "pinpoint_demo.duckdb", "")
    link = workspace / "demo"
    link.symlink_to(target, target_is_directory=True)

    _prepare_demo_folder(link)

    assert link.is_symlink()
    assert [entry.name for entry in target.iterdir()] == [DEMO_FOLDER_MARKER]
