"""The install extras: ``notebook`` stays lean for CI (helpers and nbmake, no Jupyter server);
``jupyter`` has what an analyst needs to open, run and render the notebooks."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def extra(name: str) -> set[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options.extras_require"][name].split("\n")
    return {re.split(r"[<>=!~\[; ]", line.strip(), maxsplit=1)[0].lower()
            for line in lines if line.strip()}


def test_jupyter_extra_opens_and_renders_notebooks() -> None:
    jupyter = extra("jupyter")
    assert {"jupyterlab", "nbconvert"} <= jupyter
    # Everything the notebooks import at run time comes with it too (nbmake is CI's alone).
    assert extra("notebook") - {"nbmake"} <= jupyter


def test_notebook_extra_executes_notebooks_without_a_jupyter_server() -> None:
    notebook = extra("notebook")
    assert {"nbmake", "ipykernel", "matplotlib", "ipywidgets"} <= notebook
    assert not {"jupyterlab", "notebook", "jupyter"} & notebook
