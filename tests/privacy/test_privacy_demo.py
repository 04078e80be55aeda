"""The demo under the analytics preset leaves no generated person's data in its file."""

from __future__ import annotations

from pathlib import Path

import pytest
from privacy_helpers import person_needles, scan_database, user_needles

from pipelines.cli import EXIT_OK, main
from pipelines.sandbox import SandboxConfig, run_sandbox


def test_demo_analytics_preset_scan_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOURCES__PINPOINT__PRIVACY_KEY", raising=False)
    folder = tmp_path / "demo"

    assert main(["demo", "--dir", str(folder), "--privacy", "analytics"]) == EXIT_OK

    # The demo generates seed 42; the same seed gives the same people here.
    with run_sandbox(SandboxConfig(seed=42)) as generated:
        needles = person_needles(generated) | user_needles(generated)
    assert needles.exact, "the generated account should contain names to look for"
    findings = scan_database(folder / "pinpoint_demo.duckdb", needles)
    assert findings == [], f"personal values in the demo file: {findings[:5]}"
