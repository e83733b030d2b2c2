"""The layer rule (docs/ARCHITECTURE.md) and the import graph: checked, and shown to bite."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_package_keeps_its_layers():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "BROKEN" not in done.stdout


def test_a_body_module_importing_perception_breaks_the_layers(tmp_path):
    """The contract has teeth: body and perception are independent siblings, so one
    import from body into perception (in a copy of the package) fails the lint."""
    shutil.copytree(ROOT / "marionnette", tmp_path / "marionnette", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    probe = tmp_path / "marionnette" / "body" / "_probe.py"
    probe.write_text('"""A module that breaks the layer rule."""\n\nimport marionnette.perception.pose  # noqa: F401\n')
    done = lint_imports(tmp_path, PYTHONPATH=str(tmp_path))
    assert done.returncode != 0
    assert "the layers: each imports only the layers below it BROKEN" in " ".join(done.stdout.split())
    assert "marionnette.body._probe" in done.stdout


def test_a_new_package_must_be_given_its_layer(tmp_path):
    """``exhaustive``: a package the contract does not place fails the lint until it is placed."""
    shutil.copytree(ROOT / "marionnette", tmp_path / "marionnette", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "marionnette" / "newcomer").mkdir()
    (tmp_path / "marionnette" / "newcomer" / "__init__.py").write_text('"""Not in the layers yet."""\n')
    done = lint_imports(tmp_path, PYTHONPATH=str(tmp_path))
    assert done.returncode != 0
    assert "marionnette.newcomer" in done.stdout


def test_no_import_circle_anywhere_in_the_package():
    """No module imports one that imports it back, through any chain, lazy imports inside
    functions included (grimp reads every import statement). The strongly connected
    components of the module graph (scipy) must all be single modules."""
    graph = grimp.build_graph("marionnette", include_external_packages=False)
    modules = sorted(graph.modules)
    index = {m: i for i, m in enumerate(modules)}
    edges = [(index[a], index[b]) for a in modules for b in graph.find_modules_directly_imported_by(a) if b in index]
    rows, cols = np.array(edges).T
    adjacency = csr_matrix((np.ones(len(edges)), (rows, cols)), shape=(len(modules), len(modules)))
    count, labels = connected_components(adjacency, directed=True, connection="strong")
    circles = [[m for m in modules if labels[index[m]] == c] for c in range(count)]
    circles = [c for c in circles if len(c) > 1]
    assert not circles, f"import circles: {circles}"
