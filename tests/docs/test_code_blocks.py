"""Every Python block of the README and ``docs/*.md`` runs (docs that run): scripts as they
are, fragments after a prelude giving the names they use, against the sandbox (and a real
``redis-server`` for the Redis one); a block that cannot run says why on its fence, and is
counted here."""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import inspect
import itertools
import os
import random
import re
import shlex
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
import test_readme
from doc_blocks import ROOT, RULES, Block, blocks, mode_of, python_blocks
from nbclient import NotebookClient

from fanfare_rx import Fanfare, ServerCadence
from fanfare_rx.cli.commands import build_parser
from fanfare_rx.client.session import SessionManager
from fanfare_rx.client.storage import FileStorage
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.config import HttpConfig

pytestmark = pytest.mark.integration

PYTHON = python_blocks()
_IDS = [str(block) for block in PYTHON]


def _env(home: Path) -> dict[str, str]:
    """A child's environment: this checkout's ``fanfare_rx`` first, HOME in ``home``."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "HOME": str(home), "PYTHONPATH": path}


def _by_mode(prefix: str) -> list[Block]:
    return [block for block in PYTHON if mode_of(block).startswith(prefix)]


def test_every_python_block_is_run_or_says_why_not() -> None:
    modes = [mode_of(block) for block in PYTHON]
    not_run = [block for block in PYTHON if mode_of(block) == "no-run"]
    # Counted: a block that stops running must be marked on purpose, with a reason.
    assert len(not_run) == 1, [str(block) for block in not_run]
    assert all(block.no_run_reason for block in not_run)
    assert len([m for m in modes if m != "no-run"]) >= 19  # README 13, docs/*.md 6
    # Every rule still finds its block (a rule that matches nothing hides a renamed block).
    for document, contains, mode in RULES:
        assert any(b.document == document and contains in b.code for b in PYTHON), (
            document, contains, mode)
    # "covered" blocks are the ones those tests pick.
    for block in _by_mode("covered:"):
        name = mode_of(block).split(":", 1)[1]
        assert callable(getattr(test_readme, name))


def test_the_documents_have_no_unlabelled_python() -> None:
    """A block that looks like Python but is fenced without a language would escape."""
    for block in blocks():
        if block.language == "":
            assert not block.code.lstrip().startswith(("import ", "from ", "async def ",
                                                       "await ")), str(block)


# --- scripts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("block", _by_mode("script"), ids=str)
def test_a_script_block_runs(block: Block, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", block.code], capture_output=True, text=True,
                          timeout=120, check=False, cwd=tmp_path, env=_env(tmp_path))
    assert done.returncode == 0, f"{block}\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize("block", _by_mode("pytest"), ids=str)
def test_a_test_file_block_passes_in_a_fresh_project(block: Block, tmp_path: Path) -> None:
    (tmp_path / "test_from_the_docs.py").write_text(block.code, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-o", "asyncio_default_fixture_loop_scope=function", "test_from_the_docs.py"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
        env=_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout


# --- fragments, after a prelude -------------------------------------------------------------------

Prelude = Callable[[], contextlib.AbstractAsyncContextManager[dict[str, Any]]]


@contextlib.asynccontextmanager
async def _sandbox() -> AsyncIterator[dict[str, Any]]:
    async with Sandbox(clock="real", speed=30) as sandbox:
        yield {"Sandbox": Sandbox, "Fanfare": Fanfare, "FileStorage": FileStorage,
               "ServerCadence": ServerCadence, "random": random, "sandbox": sandbox,
               "org": sandbox.organization_id, "pk": sandbox.publishable_key,
               "base_url": sandbox.base_url, "plan": {"seed": 1, "rules": []}}


@contextlib.asynccontextmanager
async def _journey(label: str, *, enter: bool) -> AsyncIterator[dict[str, Any]]:
    async with _sandbox() as names, await Fanfare.init(
            organization_id=names["org"], publishable_key=names["pk"],
            base_url=names["base_url"]) as fanfare:
        journey = fanfare.experiences.create_journey(names["sandbox"].experiences[label])
        await journey.start()
        if enter:
            await journey.enter_queue()
        if label == "queue":
            journey.start_polling(200)
        yield {**names, "fanfare": fanfare, "journey": journey,
               "code": names["sandbox"].otp_code}


PRELUDES: dict[str, Prelude] = {
    "sandbox": _sandbox,
    "started": lambda: _journey("queue", enter=False),
    "entered": lambda: _journey("queue", enter=True),
    "signin": lambda: _journey("signin", enter=False),
}


async def _run_fragment(code: str, names: dict[str, Any], where: str) -> None:
    compiled = compile(code, where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    try:
        result = eval(compiled, names)  # the documentation's own example
        if inspect.iscoroutine(result):
            await asyncio.wait_for(result, 90)
    finally:
        for value in list(names.values()):  # what the fragment created is closed
            if isinstance(value, Fanfare) and value is not names.get("fanfare"):
                await value.destroy()


@pytest.mark.parametrize("block", [b for b in _by_mode("async:") if mode_of(b) != "async:redis"],
                         ids=str)
async def test_a_fragment_runs_after_its_prelude(block: Block, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # "~/..." storages land here
    prelude = PRELUDES[mode_of(block).split(":", 1)[1]]
    async with prelude() as names:
        await _run_fragment(block.code, names, str(block))


async def test_the_redis_block_runs_against_a_real_redis(redis_url: str) -> None:
    [block] = _by_mode("async:redis")
    # The one change: the server this test started instead of the default port.
    code = block.code.replace("redis://localhost:6379/0", redis_url)
    assert code != block.code
    async with _sandbox() as names:
        await _run_fragment(code, names, str(block))
        fanfare = next(v for v in names.values() if isinstance(v, Fanfare))
        assert fanfare.api.base_url == names["base_url"]  # not production
        assert names["journeys"] == []


# --- a notebook cell ------------------------------------------------------------------------------

_NOTEBOOK_PRELUDE = """\
from fanfare_rx import Fanfare
from fanfare_rx.sandbox import Sandbox
sandbox = Sandbox(clock="real", speed=30)
await sandbox.start()
fanfare = await Fanfare.init(organization_id=sandbox.organization_id,
                             publishable_key=sandbox.publishable_key, base_url=sandbox.base_url)
journey = fanfare.experiences.create_journey(sandbox.experiences["queue"])
"""
_NOTEBOOK_TEARDOWN = "await fanfare.destroy()\nawait sandbox.stop()"


@pytest.mark.parametrize("block", _by_mode("notebook:"), ids=str)
def test_the_notebook_block_draws_once_and_leaves_the_last_state_for_an_export(
        block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _env(tmp_path).items():  # the kernel inherits them
        monkeypatch.setenv(name, value)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in
                      (_NOTEBOOK_PRELUDE, block.code, _NOTEBOOK_TEARDOWN)]
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = notebook.cells[1].outputs
    assert [o for o in outputs if o.output_type == "error"] == []
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, [list(o.get("data", {})) for o in outputs]
    # The live view: what an HTML export shows is the last state, as static HTML.
    [view] = [o for o in outputs if "text/html" in o.get("data", {})]
    assert ">admitted</span>" in view.data["text/html"]
    # The journey was destroyed (last cell): the widget gave way to the static copy, so an
    # export needs no widget state or JavaScript to show it.
    assert "application/vnd.jupyter.widget-view+json" not in view.data


# --- signatures -----------------------------------------------------------------------------------

SIGNED: dict[str, Callable[..., Any]] = {
    "ConsumerApi": ConsumerApi, "HttpConfig": HttpConfig, "SessionManager": SessionManager,
}


_SIGNATURE = re.compile(r"^(\w+)\((.*?)\)[ \t]*$", re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("block", _by_mode("signature"), ids=str)
def test_a_signature_block_matches_the_code(block: Block) -> None:
    """Names, order, keyword-only marks, which have defaults and the literal defaults."""
    found = _SIGNATURE.findall(block.code)
    assert found, str(block)
    for name, params in found:
        definition = ast.parse(f"def f({params}): ...").body[0]
        assert isinstance(definition, ast.FunctionDef)
        spec = definition.args
        actual = [p for p in inspect.signature(SIGNED[name]).parameters.values()
                  if p.name != "self"]
        positional = [(a.arg, inspect.Parameter.POSITIONAL_OR_KEYWORD) for a in spec.args]
        keyword = [(a.arg, inspect.Parameter.KEYWORD_ONLY) for a in spec.kwonlyargs]
        assert [(p.name, p.kind) for p in actual] == positional + keyword, name
        defaults: dict[str, ast.expr] = dict(zip([a.arg for a in spec.args][::-1],
                                                 spec.defaults[::-1], strict=False))
        defaults.update({a.arg: d for a, d in zip(spec.kwonlyargs, spec.kw_defaults,
                                                  strict=True) if d is not None})
        for parameter in actual:
            node = defaults.get(parameter.name)
            assert (node is None) == (parameter.default is inspect.Parameter.empty), (
                name, parameter.name)
            if node is not None:
                with contextlib.suppress(ValueError):
                    assert ast.literal_eval(node) == parameter.default, (name, parameter.name)


# --- command lines ------------------------------------------------------------------------------

def _command_parsers() -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, name: str) -> None:
        found[name] = parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub, subparser in action.choices.items():
                    walk(subparser, f"{name} {sub}".strip())

    walk(build_parser(), "")
    return found


def _command_lines() -> list[tuple[Block, str]]:
    lines = []
    for block in blocks():
        for line in block.code.replace("\\\n", " ").splitlines():
            line = line.strip().removesuffix("&").strip()
            if line.startswith("fanfare-rx "):
                lines.append((block, line))
    return lines


def test_every_fanfare_rx_command_line_in_the_docs_is_one_the_cli_accepts() -> None:
    """A concrete command parses; a synopsis (``[--speed N]``, ``a|b``) names only options
    of its command, and its lists of choices are the command's."""
    parsers = _command_parsers()
    lines = _command_lines()
    assert len(lines) >= 10
    for block, line in lines:
        words = shlex.split(line)[1:]
        if not any(mark in line for mark in ("[", "|", "...")):
            try:
                build_parser().parse_args(words)
            except SystemExit:
                pytest.fail(f"{block}: {line}")
            continue
        command = " ".join(itertools.takewhile(lambda w: re.fullmatch(r"[a-z]+", w), words))
        parser = parsers[command]
        actions = {flag: action for action in parser._actions for flag in action.option_strings
                   if action.help is not argparse.SUPPRESS}
        for flag in re.findall(r"--[a-z][a-z-]*", line):
            assert flag in actions, f"{block}: {flag} is not an option of {command!r}"
        for flag, listed in re.findall(r"(--[a-z][a-z-]*) ([a-z_]+(?:\|[a-z_]+)+)", line):
            assert set(listed.split("|")) == set(actions[flag].choices or ()), f"{block}: {flag}"
