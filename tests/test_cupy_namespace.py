"""Every array-library name tinygen calls exists in CuPy and takes the keywords tinygen passes.

Found by scanning the package's source, so a new call is checked the day it is written. A use is an
attribute chain on the array module (``xp.NAME``, ``backend.get_array_module(a).NAME``, the module
that backend.py picks), with the keywords of the call it makes. Checked against the recorded
snapshot (tests/cupy_snapshot.json) everywhere, and against a live CuPy wherever ``import cupy``
works (it imports without a GPU: ``pip install -e '.[gpu]'``). Calls on a backend random generator
(``backend.generator().METHOD``) are checked against what a device backend's generator offers
(backend._DeviceDraws: host draws copied to the device).
"""
import ast
from pathlib import Path

import pytest

import tinygen
from cupy_snapshot import UFUNC_KEYWORDS, keywords, load
from tinygen.backend import _DeviceDraws

PACKAGE = Path(tinygen.__file__).parent
MODULE_CALLS = {"get_array_module", "_module_named", "_import_cupy"}  # calls that return numpy or cupy
GENERATOR_CALLS = {"generator", "generator_for", "_generator"}       # calls that return a backend generator


def _root(node, aliases=()):
    """"cupy" for an expression that is the array module, "generator" for a backend generator, else None.

    ``aliases``: {local name: root} for names assigned from such an expression.
    """
    if isinstance(node, ast.Name) and node.id in ("xp", "cupy"):
        return "cupy"
    if isinstance(node, ast.Name):
        return dict(aliases).get(node.id)
    if isinstance(node, ast.Attribute) and node.attr == "xp" and isinstance(node.value, ast.Name):
        return "cupy"
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "_state":
        return "cupy"  # backend.py's _state["module"]
    if isinstance(node, ast.Call):
        name = getattr(node.func, "attr", getattr(node.func, "id", None))
        host_only = node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == "numpy"
        if name in MODULE_CALLS:
            return "cupy"
        if name in GENERATOR_CALLS and not host_only:
            return "generator"
    return None


def _aliases(tree):
    """Local names bound to the array module or a generator: ``xp = backend.get_array_module(param)``."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            pairs = (zip(target.elts, value.elts) if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple)
                     else [(target, value)])
            aliases.update({t.id: _root(v) for t, v in pairs if isinstance(t, ast.Name) and _root(v)})
    return aliases


def uses(source):
    """(root, attribute chain, keywords passed) for every maximal chain on the array module or a generator."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    aliases = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or isinstance(parents.get(node), ast.Attribute):
            continue
        chain, base = [], node
        while isinstance(base, ast.Attribute) and _root(base, aliases) is None:
            chain.insert(0, base.attr)
            base = base.value
        root = _root(base, aliases)
        if root is None or not chain:
            continue
        parent = parents.get(node)
        called = isinstance(parent, ast.Call) and parent.func is node
        passed = sorted(k.arg for k in parent.keywords if k.arg) if called else []
        found.append((root, tuple(chain), tuple(passed)))
    return found


def package_uses():
    """{(root, chain, keywords): [files]} over every module of the package."""
    table = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for use in uses(path.read_text()):
            table.setdefault(use, []).append(str(path.relative_to(PACKAGE)))
    return table


def problems_in_snapshot(table, snapshot):
    """What the recorded CuPy lacks: names of the module, its lib.stride_tricks and Generator, and keywords."""
    problems = []
    for (root, chain, passed), files in table.items():
        if root == "generator":
            problems += _generator_problems(chain, passed, files)
            continue
        if chain[:2] == ("lib", "stride_tricks"):
            section, name = snapshot["lib.stride_tricks"], chain[2]
        elif chain[0] in ("random", "cuda") or (len(chain) == 2 and snapshot["module"].get(chain[0]) == UFUNC_KEYWORDS):
            continue  # submodules and ufunc methods: only a live CuPy can say
        else:
            section, name = snapshot["module"], chain[0]
        problems += _check(f"{'.'.join(chain)} in {files}", name in section, section.get(name), passed)
    return problems


def problems_in_cupy(table, cupy):
    problems = []
    for (root, chain, passed), files in table.items():
        if root == "generator":
            problems += _generator_problems(chain, passed, files)
            continue
        owner = cupy
        try:
            for name in chain:
                owner = getattr(owner, name)
        except AttributeError:
            problems.append(f"cupy has no {'.'.join(chain)} (used in {files})")
            continue
        problems += _check(f"{'.'.join(chain)} in {files}", True, keywords(owner), passed)
    return problems


def _generator_problems(chain, passed, files):
    method = getattr(_DeviceDraws, chain[0], None)
    accepted = keywords(method) if method is not None else None
    return _check(f"generator().{chain[0]} in {files}", method is not None, accepted, passed,
                  owner="backend._DeviceDraws")


def _check(where, exists, accepted, passed, owner="CuPy"):
    if not exists:
        return [f"{owner} has no {where}"]
    refused = sorted(set(passed) - set(accepted)) if accepted is not None else []
    return [f"{owner}'s {where} takes no keyword {refused} (it takes {accepted})"] if refused else []


def test_the_scan_finds_the_calls_tinygen_makes():
    chains = {chain for _, chain, _ in package_uses()}
    assert {("zeros",), ("lib", "stride_tricks", "as_strided"), ("random",), ("standard_normal",),
            ("add", "at"), ("pad",)} <= chains | {chain[:1] for chain in chains}
    assert len(chains) > 25


def test_every_call_exists_in_the_recorded_cupy():
    assert problems_in_snapshot(package_uses(), load()) == []


def test_every_call_exists_in_the_installed_cupy():
    cupy = pytest.importorskip("cupy")
    assert problems_in_cupy(package_uses(), cupy) == []


def test_the_snapshot_is_what_the_installed_cupy_offers():
    """The device-like backend offers only recorded names: each must be real in the CuPy installed here."""
    cupy = pytest.importorskip("cupy")
    owners = {"module": cupy, "ndarray": cupy.ndarray, "lib.stride_tricks": cupy.lib.stride_tricks}
    missing = [f"{section}.{name}" for section, names in load().items() if section in owners
               for name in names if not hasattr(owners[section], name)]
    assert missing == []


def test_a_planted_numpy_only_call_is_caught_by_the_installed_cupy():
    cupy = pytest.importorskip("cupy")
    problems = problems_in_cupy({use: ["planted.py"] for use in uses(PLANTED)}, cupy)
    assert len(problems) == 4, problems


def test_a_planted_numpy_only_call_is_caught():
    table = {use: ["planted.py"] for use in uses(PLANTED)}
    problems = problems_in_snapshot(table, load())
    assert len(problems) == 4, problems
    assert any("sum" in p and "'where'" in p for p in problems)
    assert any("nanquantile" in p for p in problems) and any("permutation" in p for p in problems)
    assert any("writeable" in p for p in problems)


PLANTED = ("from tinygen.backend import xp\n"
           "y = xp.sum(x, where=mask)\n"
           "z = xp.nanquantile(x, 0.5)\n"
           "w = backend.generator().permutation(10)\n"
           "v = xp.lib.stride_tricks.as_strided(x, shape=s, strides=t, writeable=False)\n"
           "h = backend.generator_for('numpy').permutation(10)\n")  # host numpy: not CuPy's business
