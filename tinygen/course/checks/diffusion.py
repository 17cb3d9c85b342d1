"""Checks of the diffusion exercises: 17 q_sample, 18 the DDIM step and the guided prediction, 19 the
flow-matching pair. Each compares values and gradients with tinygen's own answer on drawn shapes."""
from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host
from hypothesis import strategies as st

import tinygen as tg
from tinygen.course import solutions
from tinygen.course.checks.cases import Check, Wrong, call, expect_same_gradients, for_all

SHAPES = [(3,), (1, 4, 4), (2, 3, 5)]    # one example's shape
batches = st.tuples(st.integers(1, 4), st.sampled_from(SHAPES), st.integers(0, 2**16))
weighted = st.tuples(st.integers(1, 4), st.sampled_from(SHAPES), st.integers(0, 2**16), st.sampled_from([0.0, 0.5, 3.0]))


def _arrays(case):
    n, shape, seed = case
    rng = np.random.default_rng(seed)
    return rng, rng.normal(size=(n,) + shape), rng.normal(size=(n,) + shape)


def verify_q_sample(q_sample):
    def claim(case):
        rng, x0, noise = _arrays(case)
        alpha_bar = rng.uniform(0.01, 0.99, size=len(x0))
        what = f"q_sample(x0 and noise of shape {x0.shape}, alpha_bar {alpha_bar.round(3).tolist()})"

        def learner(x0, noise):
            return q_sample(x0, alpha_bar.copy(), noise)
        expect_same_gradients(learner, lambda x0, noise: solutions.q_sample(x0, alpha_bar, noise), [x0, noise], what)

    for_all(batches, claim)


def verify_ddim_step(ddim_step):
    def claim(case):
        rng, x, eps = _arrays(case)
        alpha_bar = float(rng.uniform(0.01, 0.9))
        earlier = float(rng.uniform(alpha_bar, 1.0))      # an earlier time has more signal: abar_s > abar_t
        what = f"ddim_step(x and eps of shape {x.shape}, alpha_bar={alpha_bar:.3f}, alpha_bar_prev={earlier:.3f})"

        def learner(x, eps):
            return ddim_step(x, eps, alpha_bar, earlier)
        expect_same_gradients(learner, lambda x, eps: solutions.ddim_step(x, eps, alpha_bar, earlier), [x, eps], what)

    for_all(batches, claim)


def verify_guided_prediction(guided_prediction):
    def claim(case):
        _, conditional, unconditional = _arrays(case[:3])
        w = case[3]
        what = f"guided_prediction(predictions of shape {conditional.shape}, w={w})"

        def learner(conditional, unconditional):
            return guided_prediction(conditional, unconditional, w)
        expect_same_gradients(learner, lambda c, u: solutions.guided_prediction(c, u, w), [conditional, unconditional],
                              what)

    for_all(weighted, claim)


def verify_flow_matching_pair(flow_matching_pair):
    def claim(case):
        rng, x0, noise = _arrays(case)
        t = rng.uniform(0, 1, size=len(x0))
        what = f"flow_matching_pair(x0 and noise of shape {x0.shape}, t {t.round(3).tolist()})"
        result = call(flow_matching_pair, tg.tensor(x0), tg.tensor(noise), t.copy())
        if not isinstance(result, tuple) or len(result) != 2:
            raise Wrong(f"{what} must return the pair (x_t, v), got {type(result).__name__}")
        for index, name in ((0, "x_t"), (1, "v")):
            def learner(x0, noise, index=index):
                return flow_matching_pair(x0, noise, t.copy())[index]
            expect_same_gradients(learner, lambda x0, noise, index=index: solutions.flow_matching_pair(x0, noise, t)[index],
                                  [x0, noise], f"{what}: {name}")

    for_all(batches, claim)


CHECKS = {
    "17": [Check("q_sample", verify_q_sample,
                 "reshape alpha_bar to (N, 1, ..., 1) (a Tensor) so each example gets its own abar; x_t = "
                 "abar.sqrt() * x0 + (1 - abar).sqrt() * noise: square roots, since abar and 1 - abar are variances")],
    "18": [Check("ddim_step", verify_ddim_step,
                 "x0^ = (x - sqrt(1 - abar_t) eps) / sqrt(abar_t); return sqrt(abar_s) x0^ + sqrt(1 - abar_s) eps "
                 "(no fresh noise: eta = 0)"),
           Check("guided_prediction", verify_guided_prediction,
                 "(1 + w) * conditional - w * unconditional: w = 0 must give the conditional prediction back")],
    "19": [Check("flow_matching_pair", verify_flow_matching_pair,
                 "t as a Tensor (N, 1, ..., 1); x_t = (1 - t) x0 + t noise; the velocity of that line is "
                 "noise - x0, the same for every t")],
}
