"""The weights lessons load in quick mode: read back as float32, small, and each says how it was made."""
import json
from pathlib import Path

import numpy as np
import pytest

from tinygen.lesson import WEIGHTS_FOLDER, Lesson, setup

SHIPPED = sorted(WEIGHTS_FOLDER.glob("*.npz"))


def test_recorded_weights_come_back_as_float32_with_their_meta(tmp_path):
    np.savez(tmp_path / "toy.npz", meta=np.array(json.dumps({"command": "tinygen train toy"})),
             weight=np.array([[0.5, -1.25]], dtype=np.float16), count=np.array(7, dtype=np.int64))
    arrays, meta = Lesson(True, tmp_path / "out", tmp_path).recorded("toy")
    assert arrays["weight"].dtype == np.float32 and arrays["weight"].tolist() == [[0.5, -1.25]]
    assert arrays["count"].dtype == np.int64 and int(arrays["count"]) == 7
    assert meta == {"command": "tinygen train toy"} and "meta" not in arrays


def test_missing_weights_say_which_script_remakes_them(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"make_lesson_weights.py nothing"):
        Lesson(True, tmp_path / "out", tmp_path).recorded("nothing")


def test_a_lesson_run_as_a_notebook_elsewhere_finds_the_clones_weights(tmp_path):
    lesson = setup(str(tmp_path / "12_dcgan.py"), ["--out", str(tmp_path / "out")])
    assert lesson.weights == WEIGHTS_FOLDER
    beside = tmp_path / "weights"
    beside.mkdir()
    assert setup(str(tmp_path / "12_dcgan.py"), ["--out", str(tmp_path / "out")]).weights == beside


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_weights_are_small_half_precision_and_documented(path):
    assert path.stat().st_size < 2_000_000, f"{path.name} is {path.stat().st_size:,} bytes"
    with np.load(path, allow_pickle=False) as stored:
        meta = json.loads(str(stored["meta"]))
        assert all(stored[key].dtype != np.float32 for key in stored.files if key != "meta")
    readme = (WEIGHTS_FOLDER / "README.md").read_text()
    assert path.name in readme and meta["command"] in readme, "README.md records the command beside the file"
    assert Path(path).relative_to(WEIGHTS_FOLDER.parent.parent).parts[0] == "lessons", "outside the package"


def _models():
    """name -> (the module the lesson loads the file into, the prefix its keys carry in the file)."""
    from tinygen.models import get_recipe
    from tinygen.models.gan.toy import ToySettings
    from tinygen.models.rbm.model import RBM
    from tinygen.toy_experiment import toy_gan
    return {"dcgan": (get_recipe("dcgan").model((1, 28, 28), width=32, ema=0.99), ""),
            "cgan": (get_recipe("cgan").model((1, 28, 28), width=32, ema=0.99), ""),
            "rbm": (RBM(784, 500), ""),
            "ring8": (toy_gan("wgan_gp", ToySettings()).generator, "wgan_gp/generator.")}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_weights_fit_the_model_their_lesson_builds(path, tmp_path):
    model, prefix = _models()[path.stem]
    arrays, _ = Lesson(True, tmp_path, path.parent).recorded(path.stem)
    weights = {key[len(prefix):]: value for key, value in arrays.items() if key.startswith(prefix)}
    own = model.state_dict()
    assert weights and set(weights) <= set(own), sorted(set(weights) - set(own))
    assert all(tuple(weights[key].shape) == tuple(own[key].shape) for key in weights)
    model.load_state_dict(weights, strict=False)   # dtypes match too: loading refuses a mismatch
