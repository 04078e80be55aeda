"""The recruiting analytics notebook runs top to bottom against a fresh `pinpoint demo`."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import EXIT_OK, main

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "recruiting_analytics.ipynb"


def test_notebook_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)

    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells
    assert all(not cell.outputs for cell in code_cells)
    assert all(cell.execution_count is None for cell in code_cells)


def test_notebook_runs_on_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = tmp_path / "demo"
    assert main(["demo", "--dir", str(demo)]) == EXIT_OK
    capsys.readouterr()
    monkeypatch.setenv("PINPOINT_DUCKDB_PATH", str(demo / "pinpoint_demo.duckdb"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOK, as_version=4)

    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()

    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output.output_type == "error"]
    printed = "".join(output.get("text", "") for output in outputs)
    assert "25 jobs" in printed
    assert "hires in" in printed
