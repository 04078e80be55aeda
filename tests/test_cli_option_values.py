"""Numeric options of `pinpoint sync`: argparse rejects invalid values with exit code 2."""

from __future__ import annotations

import pytest

from pipelines.cli import _build_parser, main


@pytest.mark.parametrize("value", ["0", "-1", "0.0", "nan", "inf", "-inf", "1e400", "abc", ""])
def test_requests_per_second_rejected(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sync", f"--max-requests-per-second={value}"])

    error = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "argument --max-requests-per-second" in error
    assert f"invalid value {value!r}" in error
    assert "expected a positive number of requests per second, such as 5" in error


@pytest.mark.parametrize("value", ["0", "-3", "1.5", "abc", "nan", ""])
def test_concurrency_rejected(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sync", f"--concurrency={value}"])

    error = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "argument --concurrency" in error
    assert f"invalid value {value!r}" in error
    assert "expected a whole number of requests in flight of at least 1" in error
    assert "_positive_int" not in error


@pytest.mark.parametrize(("value", "expected"), [("5", 5.0), ("0.25", 0.25), ("1e3", 1000.0)])
def test_requests_per_second_accepted(value: str, expected: float) -> None:
    arguments = _build_parser().parse_args(["sync", "--max-requests-per-second", value])

    assert arguments.max_requests_per_second == expected


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("16", 16), (" 8 ", 8)])
def test_concurrency_accepted(value: str, expected: int) -> None:
    arguments = _build_parser().parse_args(["sync", "--concurrency", value])

    assert arguments.concurrency == expected


def test_sync_option_defaults() -> None:
    arguments = _build_parser().parse_args(["sync"])

    assert arguments.concurrency == 4
    assert arguments.max_requests_per_second is None
