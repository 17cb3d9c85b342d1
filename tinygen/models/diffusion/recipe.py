"""The recipes `tinygen train ddpm` and `tinygen train flow-matching`, and what sample / evaluate / figures do.

Both train the same U-Net (``networks.py``) with Adam and keep a weight average (``-m ema=0.998``)
that every sample, strip and metric comes from. ``-m conditional=true`` trains P(x | digit) with
labels dropped at rate ``-m p_uncond=0.1``, so that sampling can use classifier-free guidance.

* sampling (``tinygen sample RUN --sampler S --steps K --guidance W``): ddpm: "ddim" (default, 50
  steps, deterministic) or "ddpm" (ancestral; fewer than T steps are respaced); flow-matching: "heun"
  (default, 25 steps, 2 network calls each) or "euler". Guidance W >= 0 (conditional models only;
  default 0.2 for them).
* after every epoch: ``strip_epoch_NNN.png`` (rows: 10 images from the same fixed noise, columns: the
  state from pure noise to the image), and on data with a shipped classifier the FD and classifier
  score (class accuracy when conditional) of ``-t fd_samples=500`` samples at ``-t fd_steps=10`` steps
  in metrics.json (0 samples: none).
* ``evaluate``: fd, classifier_score (class_accuracy) of ``-t eval_samples=2000`` samples at the
  default sampler and steps, against the run's test images (both counts at most twice the test images).
Sampling is what costs here: one network call takes ~9 CPU-ms per image at width 32, ~6 at the default 16 (one
thread, benchmarks/README.md), so evaluate's 2,000 samples by DDIM's 50 calls take ~10 CPU-minutes, and the
per-epoch FD (500 samples, 10 steps) is a cheaper progress signal, not the number to report.
"""
from pathlib import Path

from tinygen.backend import numpy as np  # host: labels and strips
from tinygen.backend import xp
from tinygen.autograd import Tensor
from tinygen.models.diffusion.flow_matching import FlowMatching
from tinygen.models.diffusion.model import DDPM
from tinygen.models.diffusion.networks import UNet
from tinygen.models.diffusion.schedules import SCHEDULES
from tinygen.models.diffusion.trainer import DiffusionTrainer
from tinygen.models.options import choice, flag, integer, number
from tinygen.models.recipe import Recipe, register
from tinygen.optim import Adam

CLASSES = 10
GUIDANCE = 0.2                  # guidance weight of a conditional model's samples when none is asked for (why: below)
STRIP_ROWS, STRIP_COLUMNS = 10, 8
# The defaults are the best per CPU-minute measured (benchmarks/README.md, 2026-12-06): width 16 at lr 1e-3 and
# batch 64 scored a far lower FD in 10 CPU-minutes than width 32 at 2e-4 did in lesson 19's full build (flow
# matching's FD 52 of 2,000 samples against 156 of 300: a gap far larger than the sample counts explain);
# conditional flow matching at w = 0.2 had FD 12.5 and 97.9 % class accuracy after 30 CPU-minutes, where w = 1
# had 99.9 % but FD 61.6 (guidance trades diversity for accuracy).
DEFAULTS = {"dataset": "mnist-5k", "batch_size": 64, "lr": 1e-3, "epochs": 20}
COMMON = {"width": integer(16, low=1), "conditional": flag(False), "p_uncond": number(0.1, low=0.0, high=1.0),
          "ema": number(0.998, low=0.0, high=1.0, high_open=True)}              # ema 0: sample from the network
DDPM_OPTIONS = {**COMMON, "schedule": choice("linear", SCHEDULES), "timesteps": integer(1000, low=2)}
TRAIN_OPTIONS = {"fd_samples": integer(500, low=0), "fd_steps": integer(10, low=1), "eval_samples": integer(2000, low=2)}


def unet(data_shape, width, conditional):
    return UNet(in_channels=data_shape[0], base_channels=width, num_classes=CLASSES if conditional else None)


def build_ddpm(data_shape, width, schedule, timesteps, conditional, p_uncond, ema):
    """DDPM on the U-Net of ``width`` base channels; ``schedule`` "linear" or "cosine" over ``timesteps``."""
    return DDPM(unet(data_shape, width, conditional), data_shape, schedule, timesteps,
                num_classes=CLASSES if conditional else None, p_uncond=p_uncond, ema=ema)


def build_flow_matching(data_shape, width, conditional, p_uncond, ema):
    """Flow matching (straight paths, velocity regression) on the U-Net of ``width`` base channels."""
    return FlowMatching(unet(data_shape, width, conditional), data_shape,
                        num_classes=CLASSES if conditional else None, p_uncond=p_uncond, ema=ema)


def adam(model, run):
    """Adam(lr) over the network (the weight average is no parameter: it follows by its own update)."""
    return DiffusionTrainer(model, Adam(model.network.parameters(), lr=run.settings["lr"]))


def guidance_weight(model, labels, guidance):
    """The guidance to use: the asked one (refused on an unconditional model), else GUIDANCE when labels are asked."""
    if guidance is None:
        return GUIDANCE if model.conditional and labels is not None else 0.0
    if not model.conditional:
        raise ValueError(f"--guidance {guidance}: classifier-free guidance needs a conditional model "
                         "(train with -m conditional=true); this one is unconditional")
    return guidance


def sample_ddpm(model, run, n, labels=None, sampler="ddim", steps=50, guidance=None):
    """Host images (n, C, H, W) in [0, 1] by DDIM (eta 0) or the ancestral sampler in ``steps`` steps."""
    return model.sample(n, labels, sampler=sampler, steps=steps, guidance=guidance_weight(model, labels, guidance)).numpy()


def sample_flow_matching(model, run, n, labels=None, sampler="heun", steps=25, guidance=None):
    """Host images (n, C, H, W) in [0, 1] by Heun's or Euler's method in ``steps`` steps from t = 1 to 0."""
    return model.sample(n, labels, sampler=sampler, steps=steps, guidance=guidance_weight(model, labels, guidance)).numpy()


def asked_labels(model, n):
    """0, 1, ..., 9, 0, ... for a conditional model (every class equally often), else None."""
    return np.arange(n, dtype=np.int64) % CLASSES if model.conditional else None


def quality(sample, model, run, count, **sampling):
    """FD, classifier score (and class accuracy) of ``count`` samples in the shipped classifier's eyes."""
    from tinygen.metrics.sample_quality import SampleQuality
    labels = asked_labels(model, count)
    return SampleQuality(run.test.images, run.dataset).evaluate(sample(model, run, count, labels, **sampling), labels)


def evaluator(sample):
    def evaluate(model, run):
        """fd, classifier_score (class_accuracy) of -t eval_samples samples at the default sampler and steps."""
        return quality(sample, model, run, _sample_count(run, "eval_samples"))
    return evaluate


def strip(model, path, title):
    """Rows: STRIP_ROWS images from fixed noise (seed 0; digits 0..9 when conditional); columns: the state
    at STRIP_COLUMNS evenly spaced steps of the default sampler, from pure noise (left) to the image."""
    from tinygen import plot
    noise = Tensor(xp.random.default_rng(0).standard_normal((STRIP_ROWS,) + model.data_shape, dtype=xp.float32))
    labels = asked_labels(model, STRIP_ROWS)
    states = []
    model.sample(STRIP_ROWS, labels, guidance=GUIDANCE if model.conditional else 0.0, noise=noise,
                 on_step=lambda i, x: states.append(model.images(x).numpy()))
    keep = np.round(np.linspace(0, len(states) - 1, STRIP_COLUMNS - 1)).astype(int)
    columns = [model.images(noise).numpy()] + [states[i] for i in keep]
    images = np.stack(columns, axis=1).reshape((-1,) + model.data_shape)
    return plot.image_grid(images, path, ncols=STRIP_COLUMNS, title=title)


def epoch_ender(sample):
    def epoch_end(model, run, epoch):
        """The noise-to-image strip of this epoch into the run's folder; FD and score where a classifier
        judges the data."""
        from importlib.util import find_spec
        from tinygen.metrics.digit_classifier import has_classifier
        if run.out is not None and find_spec("matplotlib") is not None:
            strip(model, Path(run.out) / f"strip_epoch_{epoch:03d}.png", f"epoch {epoch}: noise -> image")
        count = _sample_count(run, "fd_samples")
        if not count or not has_classifier(run.dataset):
            return {}
        return quality(sample, model, run, count, steps=_train_arg(run, "fd_steps"))
    return epoch_end


def figures(model, run, history):
    """The loss per epoch, the FD per epoch (when measured) and the final strip, into the run's folder."""
    from tinygen import plot
    out = Path(run.out)
    curve = lambda *names: {name: [row[name] for row in history] for name in names if history and name in history[0]}
    paths = [plot.loss_curves(curve("train_loss", "val_loss"), out / "losses.png"),
             strip(model, out / "strip.png", "noise -> image")]
    if history and "fd" in history[0]:
        paths.append(plot.loss_curves(curve("fd"), out / "fd.png"))
    return paths


def _sample_count(run, name):
    """The -t setting ``name``, at most twice the run's test images: mnist-5k's 1,000 give evaluate's 2,000,
    and a short run on --limit 256 is not slowed down by samples its 256 reference images cannot use."""
    return min(_train_arg(run, name), 2 * len(run.test))


def _train_arg(run, name):
    given = run.settings.get("train_args") or {}
    return given[name] if name in given else TRAIN_OPTIONS[name].default


register(Recipe(name="ddpm", summary="DDPM on a small U-Net: DDIM / ancestral sampling, -m conditional=true "
                "for classifier-free guidance", build=build_ddpm, options=DDPM_OPTIONS, trainer=adam, defaults=DEFAULTS,
                train_options=TRAIN_OPTIONS, sample=sample_ddpm, evaluate=evaluator(sample_ddpm), figures=figures,
                epoch_end=epoch_ender(sample_ddpm)))
register(Recipe(name="flow-matching", summary="flow matching (rectified flow) on the U-Net: Euler / Heun "
                "sampling, -m conditional=true for guidance", build=build_flow_matching, options=COMMON,
                trainer=adam, defaults=DEFAULTS, train_options=TRAIN_OPTIONS, sample=sample_flow_matching,
                evaluate=evaluator(sample_flow_matching), figures=figures, epoch_end=epoch_ender(sample_flow_matching)))
