"""The options of ``pinpoint sandbox serve``: parsing and a served sandbox."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys

import httpx
import pytest

from pipelines.sandbox import add_serve_arguments
from pipelines.sandbox.cli import SIZE_PRESETS, _config, _fault_plan

SERVE_SCRIPT = (
    "import argparse, sys\n"
    "from pipelines.sandbox import add_serve_arguments, serve_from_arguments\n"
    "parser = argparse.ArgumentParser()\n"
    "add_serve_arguments(parser)\n"
    "arguments = parser.parse_args(sys.argv[1:])\n"
    "sys.exit(serve_from_arguments(arguments, lambda line: print(line, flush=True)))\n"
)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    return parser.parse_args(argv)


def test_defaults() -> None:
    arguments = parse()
    assert arguments.host == "127.0.0.1"
    assert arguments.port == 8765
    assert arguments.api_key == "sandbox-key"
    assert _config(arguments) == SIZE_PRESETS["default"]
    plan = _fault_plan(arguments)
    assert plan.probabilities == {}
    assert plan.rate_limit is None


def test_size_and_overrides() -> None:
    config = _config(parse("--size", "large", "--applications", "1000", "--seed", "9"))
    assert config.applications == 1000
    assert config.candidates == SIZE_PRESETS["large"].candidates
    assert config.seed == 9


def test_fault_options() -> None:
    arguments = parse(
        "--fault", "429=0.1", "--fault", "500=0.05", "--rate-limit", "20", "--burst", "5",
        "--latency", "0.1", "--page-size-cap", "50",
    )  # fmt: skip
    plan = _fault_plan(arguments)
    assert plan.probabilities == {"429": 0.1, "500": 0.05}
    assert plan.rate_limit is not None
    assert (plan.rate_limit.requests_per_second, plan.rate_limit.burst) == (20, 5)
    assert plan.latency_seconds == 0.1
    assert plan.page_size_cap == 50


@pytest.mark.parametrize("value", ["429", "429=often", "teapot=0.1"])
def test_invalid_fault_option(value: str) -> None:
    with pytest.raises(ValueError):
        _fault_plan(parse("--fault", value))


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--rate-limit", "0"),
        ("--rate-limit", "nan"),
        ("--burst", "0"),
        ("--latency", "-1"),
        ("--latency-jitter", "inf"),
        ("--page-size-cap", "0"),
        ("--simulate-every", "0"),
        ("--simulate-hours", "-2"),
        ("--applications", "-5"),
        ("--port", "-1"),
    ],
)
def test_invalid_number_exits_2(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        parse(option, value)

    assert caught.value.code == 2
    assert f"argument {option}: expected" in capsys.readouterr().err


def test_serve_prints_url_and_key() -> None:
    command = [
        sys.executable, "-c", SERVE_SCRIPT, "--size", "tiny", "--port", "0",
        "--api-key", "cli-key", "--permissions", "Candidate=none", "--fault", "500=0",
    ]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            lines = [process.stdout.readline().strip() for _ in range(5)]
            base_url = lines[0].removeprefix("Sandbox API: ")
            assert base_url.startswith("http://127.0.0.1:")
            assert lines[1] == "API key: cli-key"
            assert "Candidate=none" in lines[2]
            assert "30 applications" in lines[3]
            headers = {"X-API-KEY": "cli-key"}
            assert httpx.get(f"{base_url}/jobs", headers=headers, timeout=5).status_code == 200
            assert (
                httpx.get(f"{base_url}/candidates", headers=headers, timeout=5).status_code == 403
            )
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=15) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)
