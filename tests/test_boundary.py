"""The package's architecture rules, checked on every run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_core_never_imports_qt():
    """The import-linter contracts in pyproject.toml hold (core stays Qt-free)."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "import-linter is part of the test extra"
    result = subprocess.run([exe, "--config", str(REPO / "pyproject.toml")], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_modules_import_without_qt_or_torch():
    """Importing any core module pulls in neither Qt nor torch (torch is lazy)."""
    code = (
        "import sys, pkgutil, importlib, cnn_explorer.core as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'cnn_explorer.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [n for n in ('PySide6', 'pyqtgraph', 'torch') if n in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"core imports at module level: {out.stdout.strip()}"


def test_cli_help_does_not_import_torch_or_qt():
    code = (
        "import sys\nfrom cnn_explorer.cli import build_parser\nbuild_parser()\n"
        "print(','.join(n for n in ('torch', 'PySide6') if n in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    marker = "<!-- test-command -->"
    assert marker in readme and marker in ci
    block = readme.split(marker, 1)[1].split("```", 2)[1]
    command = block.split("\n", 1)[1].strip()
    assert "pytest" in command and "torch==" in command
