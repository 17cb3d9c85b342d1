"""Every lesson runs top to bottom in quick mode and its asserts hold."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

LESSONS = sorted((Path(__file__).resolve().parent.parent / "lessons").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_in_quick_mode(lesson, tmp_path):
    env = dict(os.environ, TINYGEN_QUICK="1", MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, str(lesson), "--out", str(tmp_path)], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{lesson.name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert list(tmp_path.iterdir()), f"{lesson.name} saved no figure or file"
