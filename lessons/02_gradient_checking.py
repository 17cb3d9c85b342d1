# %% [markdown]
# # 02 · Gradient checking: trust, but verify every backward pass
#
# A backward pass can be wrong and still train — slowly, or to a worse place — with no
# error anywhere. The remedy is old and simple: compare the analytic gradient with a
# numerical one, the central difference:
#
# $$f'(x) \approx \frac{f(x + \varepsilon) - f(x - \varepsilon)}{2\varepsilon}$$
#
# Run: `python lessons/02_gradient_checking.py` (add `--quick` for the short version).

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes

import tinygen as tg
from tinygen.autograd import Function
from tinygen.gradcheck import GradcheckError
from tinygen.lesson import setup

lesson = setup(__file__)

# %% [markdown]
# ## Central differences, and why float64
#
# For $f(x) = x^3$ at $x = 1$ the true derivative is 3. Two errors compete as $\varepsilon$ shrinks:
# truncation (the difference quotient is not the derivative: its error is of order $\varepsilon^2$
# for the central form and $\varepsilon$ for the one-sided form $(f(x + \varepsilon) - f(x)) / \varepsilon$)
# and rounding ($f$ is only known to about machine precision $u$, and dividing by $\varepsilon$
# magnifies that: an error of order $u / \varepsilon$). float32 carries about 7 digits
# ($u \approx 6 \cdot 10^{-8}$), float64 about 16 ($u \approx 10^{-16}$), so in float32 rounding
# wins long before $\varepsilon$ is small. In the figure (log-log axes), from the right, the central
# float64 error falls along a slope of 2 and the one-sided along a slope of 1, until rounding takes
# over and the error climbs again; the best float32 error is more than ten thousand times the
# best float64 error.

# %%
epsilons = np.logspace(-10, -1, lesson.pick(19, 37))


def central_error(dtype, eps):
    x, h = dtype(1.0), dtype(eps)
    estimate = ((x + h) ** 3 - (x - h) ** 3) / (dtype(2) * h)
    return abs(float(estimate) - 3.0)


def forward_error(eps):
    return abs(((1.0 + eps) ** 3 - 1.0) / eps - 3.0)


errors = {
    "central, float64": [central_error(np.float64, e) for e in epsilons],
    "central, float32": [central_error(np.float32, e) for e in epsilons],
    "one-sided, float64": [forward_error(e) for e in epsilons],
}
at_1e6 = {name: values[int(np.argmin(np.abs(epsilons - 1e-6)))] for name, values in errors.items()}
print("error at eps = 1e-6:", {k: f"{v:.1e}" for k, v in at_1e6.items()})
assert at_1e6["central, float64"] < 1e-8      # good to ~9 digits
assert at_1e6["central, float32"] > 1e-3      # float32 rounding swamps the difference
assert at_1e6["one-sided, float64"] > 100 * at_1e6["central, float64"]
large = epsilons >= 1e-3      # where truncation dominates: the slopes of the figure's right end
slopes = {name: np.polyfit(np.log10(epsilons[large]), np.log10(np.array(values)[large]), 1)[0]
          for name, values in errors.items() if "float64" in name}
best = {name: min(values) for name, values in errors.items()}
print("log-log slope for eps >= 1e-3:", {k: round(float(v), 2) for k, v in slopes.items()},
      " best error:", {k: f"{v:.1e}" for k, v in best.items()})
assert abs(slopes["central, float64"] - 2) < 0.1 and abs(slopes["one-sided, float64"] - 1) < 0.1
assert best["central, float32"] > 1e4 * best["central, float64"]

figure, axes = plt.subplots(figsize=(7, 4))
for name, values in errors.items():
    axes.loglog(epsilons, np.maximum(values, 1e-17), marker=".", label=name)
axes.set_xlabel("ε")
axes.set_ylabel("|numeric − true derivative|")
axes.set_title("Error of finite-difference derivatives of x³ at x = 1")
axes.legend(title="difference, precision")
figure.tight_layout()
figure.savefig(lesson.path("finite_difference_error.png"), dpi=100)
plt.close(figure)

# %% [markdown]
# ## tinygen's gradcheck
#
# `tg.gradcheck(fn, inputs)` picks a random direction $v$ over the outputs and compares
# the analytic gradient of $\langle \mathrm{fn}(x), v \rangle$ (one backward pass) with central
# differences, one input element at a time. `gradgradcheck` does the same to the gradient itself.

# %%
x = tg.tensor(np.random.default_rng(0).normal(size=(3, 4)), requires_grad=True)
w = tg.tensor(np.random.default_rng(1).normal(size=(4, 2)), requires_grad=True)
assert tg.gradcheck(lambda x, w: (x @ w).exp().sum(axis=0), [x, w])
assert tg.gradgradcheck(lambda x, w: (x @ w).exp().sum(axis=0), [x, w])
print("x @ w, exp, sum: first and second derivatives agree with central differences")

# %% [markdown]
# ## What a wrong backward looks like
#
# Here is a local softplus, $\log(1 + e^x)$, whose derivative is the sigmoid $1 / (1 + e^{-x})$.
# Its backward has a classic slip planted in it: the sign inside the exponent. gradcheck
# names the input, the element and both values.

# %%


class BuggySoftplus(Function):
    def forward(self, x):
        return np.log1p(np.exp(x))

    def backward(self, gy):
        x, = self.inputs
        return gy / (1 + x.exp())  # wrong: should be exp(-x)


try:
    tg.gradcheck(lambda t: BuggySoftplus()(t), [x])
    raise AssertionError("gradcheck missed the planted bug")
except GradcheckError as error:
    message = str(error)
print("gradcheck says:", message)
assert "input 0" in message and "analytic" in message and "numeric" in message

# %% [markdown]
# ## Many shapes, drawn by hypothesis
#
# One shape proves little: broadcasting bugs hide in size-1 dimensions, reductions
# in the choice of axis. A property test states a rule ("for any shape, the gradient of
# x·y reduced over the broadcast axes is right") and lets hypothesis draw the cases —
# including the awkward ones — and shrink any failure to the smallest example.

# %%
seen = []


@settings(max_examples=lesson.pick(15, 60), deadline=None, derandomize=True)
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3), keep_last=st.booleans())
def product_gradient_is_right(shape, keep_last):
    other = shape[-1:] if keep_last else (1,) * len(shape)  # broadcast along the others
    rng = np.random.default_rng(len(seen))
    a = tg.tensor(rng.normal(size=shape), requires_grad=True)
    b = tg.tensor(rng.normal(size=other), requires_grad=True)
    seen.append((shape, other))
    assert tg.gradcheck(lambda a, b: a * b, [a, b])


product_gradient_is_right()
print(f"{len(seen)} cases passed, e.g.", seen[:5])
assert len({s for s, _ in seen}) > 3
