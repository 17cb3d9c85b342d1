"""The README's Layout section is the tree, and its "Adding a model" block runs as written."""
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
IGNORED = {"__pycache__", "__init__.py"}


def section(title):
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else len(README)]


def layout_paths():
    block = re.search(r"```\n(.*?)```", section("Layout"), re.S).group(1)
    return [line.split()[0] for line in block.splitlines() if line.strip() and not line.startswith(" ")]


def listed(folder):
    """What the layout must name inside ``folder``: its modules and sub-packages (data files aside)."""
    return {f"{folder}/{entry.name}" + ("/" if entry.is_dir() else "") for entry in (ROOT / folder).iterdir()
            if entry.name not in IGNORED and (entry.is_dir() or entry.suffix == ".py")}


def test_every_path_in_the_layout_exists():
    missing = [path for path in layout_paths() if not (ROOT / path).exists()]
    assert not missing, f"the README's Layout names paths that do not exist: {missing}"


def test_every_module_of_the_package_and_every_family_is_in_the_layout():
    paths = set(layout_paths())
    for folder in ("tinygen", "tinygen/models"):
        absent = sorted(listed(folder) - paths)
        assert not absent, f"{folder} holds {absent}, which the README's Layout does not list"


def test_models_holds_one_folder_per_family_and_the_shared_contract_only():
    models = ROOT / "tinygen" / "models"
    files = {p.name for p in models.glob("*.py")} - {"__init__.py"}
    assert files == {"recipe.py", "options.py", "common.py"}
    for family in (p for p in models.iterdir() if p.is_dir() and p.name != "__pycache__"):
        names = {p.name for p in family.glob("*.py")}
        assert {"__init__.py", "model.py", "recipe.py"} <= names, f"{family.name} lacks the template's files"


def test_the_adding_a_model_block_runs_verbatim(tmp_path):
    code = re.search(r"```py\n(.*?)```", section("Adding a model"), re.S).group(1)
    ast.parse(code)
    script = tmp_path / "adding_a_model.py"
    script.write_text(code)
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "runs" / "tiny-ae" / "checkpoint.npz").is_file()
    assert "val_loss" in (tmp_path / "runs" / "tiny-ae" / "metrics.csv").read_text()
