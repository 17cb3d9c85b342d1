"""--resume repeats everything, the epoch-end metrics too: a resumed process's metrics.json equals the
uninterrupted run's, though the resumed process loads the metric classifier afresh."""
import json

import numpy as np

import tinygen as tg
from tinygen.cli import main
from tinygen.metrics import digit_classifier

QUICK = ["--limit", "64", "--batch-size", "32", "--no-progress", "--seed", "3"]  # 2 batches an epoch


def fresh_process_train(*argv):
    """`tinygen train ...` as a new process would run it: nothing cached from an earlier command."""
    digit_classifier._loaded.cache_clear()
    assert main([str(a) for a in argv]) == 0


def without_time(metrics):
    return {"epochs": [{k: v for k, v in row.items() if k != "seconds"} for row in metrics["epochs"]],
            "batches": metrics["batches"]}


def test_a_resumed_gan_run_writes_the_same_metrics_as_an_uninterrupted_one(tmp_path, capsys):
    straight, stopped = tmp_path / "straight", tmp_path / "stopped"
    fresh_process_train("train", "gan", "--epochs", "3", *QUICK, "--out", straight)
    fresh_process_train("train", "gan", "--epochs", "1", *QUICK, "--out", stopped)
    fresh_process_train("train", "gan", "--epochs", "3", "--resume", "--no-progress", "--out", stopped)
    a, b = (json.loads((run / "metrics.json").read_text()) for run in (straight, stopped))
    assert "fd" in a["epochs"][1] and "classifier_score" in a["epochs"][1]
    assert without_time(a) == without_time(b)


def test_loading_the_metric_classifier_draws_no_random_numbers():
    digit_classifier._loaded.cache_clear()
    tg.manual_seed(5)
    expected = tg.rand(4).numpy()
    tg.manual_seed(5)
    digit_classifier.shipped_classifier("mnist-5k")
    np.testing.assert_array_equal(tg.rand(4).numpy(), expected)
