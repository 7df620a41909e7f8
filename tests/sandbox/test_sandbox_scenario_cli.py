"""Scenario files (errors name the bad field), the Python API facts, and the CLI banner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fanfare_rx.errors import UsageError
from fanfare_rx.sandbox import Sandbox, ScenarioError, default_scenario, load_scenario
from fanfare_rx.sandbox.scenario import parse_scenario

LABELS = ["queue", "draw", "auction", "timed_release", "waitlist", "vip", "signin", "botcheck",
          "appointment"]


def _base() -> dict[str, Any]:
    return {"experiences": [{"id": "e", "label": "x", "name": "X", "sequences": [
        {"id": "s", "name": "S", "priority": 1,
         "distribution": {"type": "queue", "id": "q", "admitRate": 10}}]}]}


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda d: d["experiences"][0]["sequences"][0]["distribution"].update(admitRate="fast"),
     "experiences[0].sequences[0].distribution.admitRate"),
    (lambda d: d["experiences"][0]["sequences"][0]["distribution"].pop("admitRate"),
     "experiences[0].sequences[0].distribution.admitRate"),
    (lambda d: d["experiences"][0]["sequences"][0]["distribution"].update(type="raffle"),
     "experiences[0].sequences[0].distribution.type"),
    (lambda d: d["experiences"][0]["sequences"][0].update(priorty=2),
     "experiences[0].sequences[0].priorty"),
    (lambda d: d["experiences"][0].update(sequences={}), "experiences[0].sequences"),
    (lambda d: d.update(publishableKey="pk_live_x"), "publishableKey"),
    (lambda d: d["experiences"].append(d["experiences"][0]), "experiences[1].id"),
    (lambda d: d.update(otpCode=""), "otpCode"),
    (lambda d: d["experiences"][0]["sequences"][0]["distribution"].update(closeAt=-5),
     "experiences[0].sequences[0].distribution.closeAt"),
    (lambda d: d["experiences"][0]["sequences"][0].update(distribution="queue"),
     "experiences[0].sequences[0].distribution"),
    (lambda d: d["experiences"][0]["sequences"][0].update(distribution={
        "type": "auction", "id": "a", "settleAt": 10, "startPrice": "ten"}),
     "experiences[0].sequences[0].distribution.startPrice"),
    (lambda d: d["experiences"][0]["sequences"][0].update(distribution={
        "type": "draw", "id": "d", "drawAt": 10}),
     "experiences[0].sequences[0].distribution.winnerCount"),
])
def test_scenario_errors_name_the_field(mutate: Any, field: str) -> None:
    data = _base()
    mutate(data)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    assert caught.value.field == field
    assert str(caught.value).startswith(field)


def test_load_scenario_file_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ScenarioError, match="malformed JSON"):
        load_scenario(broken)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_base()))
    assert load_scenario(good).experiences[0].label == "x"


def test_default_scenario_has_every_label() -> None:
    scenario = default_scenario()
    assert [e.label for e in scenario.experiences] == LABELS
    grants = [s.distribution.admission_expiration_seconds for e in scenario.experiences
              for s in e.sequences
              if s.distribution is not None and s.distribution.type != "appointment"]
    assert all(isinstance(seconds, int) and seconds > 0 for seconds in grants)


async def test_python_api_facts() -> None:
    async with Sandbox(clock="manual") as sandbox:
        assert sandbox.base_url.startswith("http://127.0.0.1:") and sandbox.port > 0
        assert sandbox.publishable_key.startswith("pk_test_")
        assert sandbox.secret_key.startswith("sk_test_")
        assert list(sandbox.experiences) == LABELS
        assert sandbox.access_codes == {"vip": "VIP2024"}
        start = sandbox.now()
        await sandbox.advance(30)
        assert (sandbox.now() - start).total_seconds() == 30
    with pytest.raises(UsageError):
        Sandbox(clock="manual", speed=60)


def test_cli_banner(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "fanfare_rx.cli", "sandbox", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = []
        while not lines or not lines[-1].startswith("ready"):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
    finally:
        process.terminate()
        process.wait(timeout=10)
    text = "\n".join(lines)
    assert any(line.startswith("base URL: http://127.0.0.1:") for line in lines), text
    assert "publishable key: pk_test_" in text and "development OTP: 424242" in text
    assert "organization id: " in text
    for words in ("(queue)", "(draw)", "(auction)", "(timed release)", "(waitlist)",
                  "(vip access code)", "(sign-in required)", "(bot check)"):
        assert words in text, text


def test_cli_bad_scenario_names_the_field(tmp_path: Path) -> None:
    data = _base()
    data["experiences"][0]["sequences"][0]["distribution"]["admitRate"] = "fast"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    done = subprocess.run([sys.executable, "-m", "fanfare_rx.cli", "sandbox", "--port", "0",
                           "--scenario", str(path)], check=False, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2
    assert "experiences[0].sequences[0].distribution.admitRate" in done.stderr
