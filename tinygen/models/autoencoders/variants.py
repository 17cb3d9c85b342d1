"""Recipes of the autoencoder family: `tinygen train {dae,sparse-ae,cae,deep-ae,conv-ae}`.

Each kind reuses the plain autoencoder's recipe (tinygen/models/autoencoders/recipe.py) for sampling, figures
and the reconstruction error, and adds the number that shows its own claim to ``evaluate``:
  dae        PSNR (dB) of the noisy test digits and of their denoised versions, against the clean ones
  sparse-ae  the mean code activation and the fraction of activations near zero
  cae        the mean Frobenius norm of the encoder's Jacobian ||dh/dx||_F on test digits
The penalized kinds report each term of their loss during training (reconstruction, penalty).
"""
from pathlib import Path

from tinygen import backend
from tinygen.metrics.psnr import psnr
from tinygen.models.autoencoders import recipe as ae_recipe
from tinygen.functional.conv_transpose import METHODS
from tinygen.models.autoencoders.contractive import JACOBIANS, ContractiveAutoencoder
from tinygen.models.autoencoders.conv import ConvAutoencoder
from tinygen.models.autoencoders.denoising import NOISES, DenoisingAutoencoder, add_noise
from tinygen.models.autoencoders.deep import DeepAutoencoder
from tinygen.models.common import map_batches
from tinygen.models.options import choice, flag, integer, integers, number
from tinygen.models.recipe import Recipe, register
from tinygen.models.autoencoders.sparse import PENALTIES, SparseAutoencoder
from tinygen.models.autoencoders.trainer import GreedyTrainer, TermsTrainer
from tinygen.optim import Adam

NEAR_ZERO = 0.05  # an activation below this counts as silent
PRETRAIN = ("none", "greedy")
# Adam steps per greedy stage: the 3 stages take 300 of the default run's 630 steps (10 epochs of mnist-5k's
# 4,000 training digits in batches of 64), so that the default budget fine-tunes end to end for the rest
GREEDY_STEPS = 100


def terms_trainer(model, run):
    return TermsTrainer(model, Adam(model.parameters(), lr=run.settings["lr"]))


def deep_trainer(model, run):
    train_args = run.settings["train_args"]
    steps = train_args["pretrain_steps"] if train_args["pretrain"] == "greedy" else 0
    return GreedyTrainer(model, run.settings["lr"], steps)


def images_only(data_shape, kind):
    if len(data_shape) != 3:
        raise ValueError(f"{kind} takes images (C, H, W), got examples of shape {tuple(data_shape)}")
    return tuple(data_shape)


DAE_OPTIONS = {"noise": choice("mask", tuple(NOISES)), "noise_level": number(0.3, low=0.0), **ae_recipe.OPTIONS}
SPARSE_OPTIONS = {"sparsity": choice("kl", PENALTIES), "weight": number(0.5, low=0.0),
                  "rho": number(0.05, low=0.0, high=1.0, low_open=True, high_open=True),
                  **ae_recipe.OPTIONS, "code_size": integer(64, low=1), "undercomplete": flag(True)}
CAE_OPTIONS = {"weight": number(0.01, low=0.0), "jacobian": choice("closed_form", JACOBIANS),
               **ae_recipe.OPTIONS, "code_size": integer(128, low=1), "num_layers": integer(0, low=0)}
DEEP_OPTIONS = {**ae_recipe.OPTIONS, "num_layers": integer(2, low=0), "nodes_per_layer": integers((128, 64))}
CONV_OPTIONS = {"channels": integers((16, 16, 8)), "loss": choice("bce", ae_recipe.LOSSES),
                "method": choice("col2im", METHODS)}


def build_dae(data_shape, noise, noise_level, code_size, num_layers, nodes_per_layer, loss):
    return DenoisingAutoencoder(noise=noise, noise_level=noise_level, code_size=code_size, num_layers=num_layers,
                                nodes_per_layer=nodes_per_layer, loss=loss, image_shape=images_only(data_shape, "dae"))


def build_sparse(data_shape, sparsity, weight, rho, code_size, undercomplete, num_layers, nodes_per_layer, loss):
    return SparseAutoencoder(sparsity=sparsity, weight=weight, rho=rho, code_size=code_size,
                             undercomplete=undercomplete, num_layers=num_layers, nodes_per_layer=nodes_per_layer,
                             loss=loss,
                             image_shape=images_only(data_shape, "sparse-ae"))


def build_cae(data_shape, weight, jacobian, code_size, num_layers, nodes_per_layer, loss):
    return ContractiveAutoencoder(weight=weight, jacobian=jacobian, code_size=code_size, num_layers=num_layers,
                                  nodes_per_layer=nodes_per_layer, loss=loss,
                                  image_shape=images_only(data_shape, "cae"))


def build_deep(data_shape, code_size, num_layers, nodes_per_layer, loss):
    return DeepAutoencoder(code_size=code_size, num_layers=num_layers, nodes_per_layer=nodes_per_layer, loss=loss,
                           image_shape=images_only(data_shape, "deep-ae"))


def build_conv(data_shape, channels, loss, method):
    return ConvAutoencoder(channels=channels, loss=loss, image_shape=images_only(data_shape, "conv-ae"), method=method)


def noisy_test_images(model, images):
    """``images`` damaged by the model's own noise, drawn from a fixed seed (the same damage every call)."""
    state = backend.get_rng_state()
    backend.manual_seed(0)
    noisy = add_noise(backend.to_backend(images), model.noise, model.noise_level)
    backend.set_rng_state(state)
    return backend.to_numpy(noisy)


def reconstruct_noisy(model, run, images):
    """{"noisy": ..., "denoised": ..., "clean": images}: the rows `tinygen reconstruct` draws for a dae."""
    noisy = noisy_test_images(model, images)
    return {"noisy": noisy, "denoised": ae_recipe.reconstruct(model, run, noisy), "clean": images}


def evaluate_dae(model, run):
    rows = reconstruct_noisy(model, run, run.test.images)
    return {**ae_recipe.evaluate(model, run), "psnr_noisy_db": psnr(rows["noisy"], rows["clean"]),
            "psnr_denoised_db": psnr(rows["denoised"], rows["clean"])}


def dae_figures(model, run, history):
    from tinygen import plot
    rows = reconstruct_noisy(model, run, run.test.images[:10])
    grid = plot.image_grid(backend.numpy.concatenate(list(rows.values())), Path(run.out) / "denoising.png",
                           ncols=10, title="rows: noisy, denoised, clean")
    return ae_recipe.figures(model, run, history) + [grid]


def evaluate_sparse(model, run):
    codes = ae_recipe.encode(model, run.test.images)
    return {**ae_recipe.evaluate(model, run), "mean_activation": float(codes.mean()),
            "fraction_near_zero": float((abs(codes) < NEAR_ZERO).mean())}


def evaluate_cae(model, run):
    norms = map_batches(lambda x: model.jacobian_norm_squared(x).sqrt(), run.test.images)
    return {**ae_recipe.evaluate(model, run), "mean_jacobian_norm": float(norms.mean())}


def register_kind(name, summary, build, options, evaluate=ae_recipe.evaluate, trainer=terms_trainer, **callbacks):
    callbacks.setdefault("figures", ae_recipe.figures)
    callbacks.setdefault("reconstruct", ae_recipe.reconstruct)
    register(Recipe(name=name, summary=summary, build=build, options=options, trainer=trainer,
                    sample=ae_recipe.sample, evaluate=evaluate, **callbacks))


register_kind("dae", "denoising autoencoder: rebuild clean digits from masked / salt-and-pepper / gaussian ones",
              build_dae, DAE_OPTIONS, evaluate_dae, figures=dae_figures, reconstruct=reconstruct_noisy)
register_kind("sparse-ae", "sparse autoencoder: L1 or KL(rho) penalty on the code's activity", build_sparse,
              SPARSE_OPTIONS, evaluate_sparse)
register_kind("cae", "contractive autoencoder: penalty on the encoder Jacobian's Frobenius norm", build_cae,
              CAE_OPTIONS, evaluate_cae, defaults={"lr": 3e-3})  # a sigmoid code leaves the mean-image plateau faster
register_kind("deep-ae", "deep autoencoder 784-128-64-32 mirrored; -t pretrain=greedy stacks it layer by layer first",
              build_deep, DEEP_OPTIONS, trainer=deep_trainer,
              train_options={"pretrain": choice("none", PRETRAIN), "pretrain_steps": integer(GREEDY_STEPS, low=0)})
register_kind("conv-ae", "convolutional autoencoder: stride-2 convs down to 8x4x4, transposed convs up", build_conv,
              CONV_OPTIONS, defaults={"lr": 1e-2})
