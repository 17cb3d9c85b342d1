"""Checks of the diffusion lessons: 17 the forward process in one draw and the clean image it implies,
18 the DDIM step and the guided prediction, 19 the flow-matching pair and one Heun step. Each compares
values and gradients with tinygen's own functions on drawn shapes."""
from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

import tinygen as tg
from tinygen.course.checks.cases import Check, call, expect_same_gradients, expect_tuple, for_all
from tinygen.models.diffusion import flow_matching, samplers
from tinygen.models.diffusion.guidance import guided
from tinygen.models.diffusion.model import q_sample as _q_sample

SHAPES = [(3,), (1, 4, 4), (2, 3, 5)]    # one example's shape
seeds = st.integers(0, 2**16)
batches = st.tuples(st.integers(1, 4), st.sampled_from(SHAPES), seeds)
weighted = st.tuples(st.integers(1, 4), st.sampled_from(SHAPES), seeds, st.sampled_from([0.0, 0.5, 3.0]))


def _arrays(case):
    n, shape, seed = case[:3]
    rng = np.random.default_rng(seed)
    return rng, rng.normal(size=(n,) + shape), rng.normal(size=(n,) + shape)


def _per_example(values, like):
    return tg.tensor(np.asarray(values, dtype=like.dtype).reshape((-1,) + (1,) * (like.ndim - 1)))


def verify_q_sample(q_sample):
    def claim(case):
        rng, x0, noise = _arrays(case)
        alpha_bar = rng.uniform(0.01, 0.99, size=len(x0))
        what = f"q_sample(x0 and noise of shape {x0.shape}, alpha_bar {alpha_bar.round(3).tolist()})"
        expect_same_gradients(lambda x0, noise: q_sample(x0, alpha_bar.copy(), noise),
                              lambda x0, noise: _q_sample(x0, _per_example(alpha_bar, x0), noise), [x0, noise], what)

    for_all(batches, claim)


def verify_predicted_x0(predicted_x0):
    def claim(case):
        rng, x_t, eps = _arrays(case)
        alpha_bar = float(rng.uniform(0.01, 0.99))
        what = f"predicted_x0(x_t and eps of shape {x_t.shape}, alpha_bar={alpha_bar:.3f})"
        expect_same_gradients(lambda x_t, eps: predicted_x0(x_t, eps, alpha_bar),
                              lambda x_t, eps: (x_t - eps * (1 - alpha_bar) ** 0.5) * (1 / alpha_bar ** 0.5),
                              [x_t, eps], what)

    for_all(batches, claim)


def verify_ddim_step(ddim_step):
    def claim(case):
        rng, x, eps = _arrays(case)
        alpha_bar = float(rng.uniform(0.01, 0.9))
        earlier = float(rng.uniform(alpha_bar, 1.0))      # an earlier time has more signal: abar_s > abar_t
        what = f"ddim_step(x and eps of shape {x.shape}, alpha_bar={alpha_bar:.3f}, alpha_bar_prev={earlier:.3f})"
        expect_same_gradients(lambda x, eps: ddim_step(x, eps, alpha_bar, earlier),
                              lambda x, eps: samplers.ddim_step(x, eps, alpha_bar, earlier), [x, eps], what)

    for_all(batches, claim)


def verify_guided_prediction(guided_prediction):
    def claim(case):
        _, conditional, unconditional = _arrays(case)
        w = case[3]
        what = f"guided_prediction(predictions of shape {conditional.shape}, w={w})"
        expect_same_gradients(lambda c, u: guided_prediction(c, u, w), lambda c, u: guided(c, u, w),
                              [conditional, unconditional], what)

    for_all(weighted, claim)


def verify_flow_matching_pair(flow_matching_pair):
    def claim(case):
        rng, x0, noise = _arrays(case)
        t = rng.uniform(0, 1, size=len(x0))
        what = f"flow_matching_pair(x0 and noise of shape {x0.shape}, t {t.round(3).tolist()})"
        expect_tuple(call(flow_matching_pair, tg.tensor(x0), tg.tensor(noise), t.copy(), what=what), what, 2)
        reference = (lambda x0, noise: flow_matching.path(x0, noise, tg.tensor(t.astype(x0.dtype))),
                     lambda x0, noise: flow_matching.velocity_target(x0, noise))
        for index, name in ((0, "x_t"), (1, "v")):
            expect_same_gradients(lambda x0, noise, index=index: flow_matching_pair(x0, noise, t.copy())[index],
                                  reference[index], [x0, noise], f"{what}: {name}")

    for_all(batches, claim)


def verify_heun_step(heun_step):
    def claim(case):
        rng, x, a = _arrays(case)
        t, h = float(rng.uniform(0.3, 1.0)), float(rng.uniform(0.05, 0.3))
        field = tg.tensor(a)
        velocity = lambda x, t: x * x * (0.5 - t) - field * t      # nonlinear in x, so Euler's guess matters
        what = f"heun_step(x of shape {x.shape}, t={t:.3f}, h={h:.3f}, a velocity field nonlinear in x)"

        def reference(x):
            v = velocity(x, t)
            return x - (v + velocity(x - v * h, t - h)) * (h / 2)
        expect_same_gradients(lambda x: heun_step(x, t, h, velocity), reference, [x], what)

    for_all(batches, claim)


CHECKS = {
    "17": [Check("q_sample", verify_q_sample,
                 "each example has its own abar: give alpha_bar the shape (N, 1, ..., 1) so it scales all of its "
                 "example; and abar, 1 - abar are variances, so the image and the noise are scaled by what?"),
           Check("predicted_x0", verify_predicted_x0,
                 "solve x_t = sqrt(abar) x0 + sqrt(1 - abar) eps for x0")],
    "18": [Check("ddim_step", verify_ddim_step,
                 "first the clean image the noise implies (lesson 17's predicted_x0), then noise it again to the "
                 "earlier time with the same eps: no fresh noise when eta = 0"),
           Check("guided_prediction", verify_guided_prediction,
                 "w = 0 must give the conditional prediction back; w > 0 moves further away from the "
                 "unconditional one")],
    "19": [Check("flow_matching_pair", verify_flow_matching_pair,
                 "each example has its own t: shape it (N, 1, ..., 1); the path is a straight line between x0 "
                 "(t = 0) and noise (t = 1), so its velocity does not depend on t"),
           Check("heun_step", verify_heun_step,
                 "Euler's guess x - h v(x, t) gives the end of the step; average the velocity at the start and "
                 "at that guess (time t - h), and take the step with the average")],
}
