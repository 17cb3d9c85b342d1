# %% [markdown]
# # 01 · Autograd: how a graph remembers how to differentiate itself
#
# Every number a network computes comes out of a chain of small operations. If each
# operation knows (1) how to compute its output and (2) how to turn "how much does the
# loss change with my output" into "how much does it change with my inputs", then the
# chain rule, applied from the loss backwards, gives the gradient of everything at once.
# That is reverse-mode automatic differentiation, and it is all `backward()` does.
#
# Run: `python lessons/01_autograd.py` (add `--quick` for the short version CI runs).

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinygen as tg
import tinygen.functional as F
from tinygen.lesson import setup

lesson = setup(__file__)

# %% [markdown]
# ## A tiny graph, by hand
#
# Take $f(a, b) = (a b + b)^2$. Name the intermediate values: $c = a b$, $d = c + b$, $f = d^2$.
# Forward, with $a = 2$ and $b = 3$: $c = 6$, $d = 9$, $f = 81$.
#
# Backward, starting from $\partial f / \partial f = 1$ and going against the arrows:
# - $\partial f / \partial d = 2d = 18$.
# - $d = c + b$, so $\partial f / \partial c = \partial f / \partial d \cdot 1 = 18$, and $b$ receives 18 through this path.
# - $c = a b$, so $\partial f / \partial a = \partial f / \partial c \cdot b = 54$, and $b$ receives
#   $\partial f / \partial c \cdot a = 36$ through this path.
# - $b$ was used twice: its gradient is the sum of both paths, $18 + 36 = 54$.

# %%
a_value, b_value = 2.0, 3.0
c_value = a_value * b_value
d_value = c_value + b_value
f_value = d_value ** 2
by_hand = {"f": 1.0, "d": 2 * d_value}
by_hand["c"] = by_hand["d"]
by_hand["a"] = by_hand["c"] * b_value
by_hand["b"] = by_hand["d"] + by_hand["c"] * a_value
print("forward :", dict(c=c_value, d=d_value, f=f_value))
print("by hand :", by_hand)

# %% [markdown]
# ## The same graph, by tinygen
#
# Each operation below creates a node (a `Function`) that remembers its inputs. The
# output tensor points to the node that made it (`creator`), so from `f` you can walk the
# whole graph backwards. `retain_grad()` asks tinygen to keep the gradient of an
# intermediate value too; leaves (`a`, `b`) always keep theirs.

# %%
a = tg.tensor(a_value, requires_grad=True, dtype=np.float64)
b = tg.tensor(b_value, requires_grad=True, dtype=np.float64)
c = (a * b).retain_grad()
d = (c + b).retain_grad()
f = d ** 2
f.backward()

node, chain = f.creator, []
while node is not None:
    chain.append(type(node).__name__)
    node = node.inputs[0].creator
print("walking back from f:", " <- ".join(chain))
by_autograd = {"d": d.grad.item(), "c": c.grad.item(), "a": a.grad.item(), "b": b.grad.item()}
print("autograd:", by_autograd)
for name, value in by_autograd.items():
    assert value == by_hand[name], (name, value, by_hand[name])
assert chain == ["PowConstant", "Add", "Mul"]

# %% [markdown]
# ## Why backward is written in tensor operations
#
# The backward pass of each operation is itself made of operations (`gy * b` for the
# product). With `create_graph=True` those operations are recorded too, so the
# gradient is a differentiable function and you can differentiate it again.
#
# tanh is a good test, because both derivatives have a closed form:
#
# $$\tanh'(x) = 1 - \tanh^2 x, \qquad \tanh''(x) = -2 \tanh x \, (1 - \tanh^2 x)$$

# %%
x = tg.tensor(np.linspace(-3, 3, lesson.pick(41, 201)), requires_grad=True, dtype=np.float64)
y = F.tanh(x)
first, = tg.grad(y.sum(), [x], create_graph=True)  # each element only depends on its own x
second, = tg.grad(first.sum(), [x])

t = np.tanh(x.numpy())
first_formula = 1 - t ** 2
second_formula = -2 * t * (1 - t ** 2)
print("largest error, first derivative :", np.abs(first.numpy() - first_formula).max())
print("largest error, second derivative:", np.abs(second.numpy() - second_formula).max())
assert np.allclose(first.numpy(), first_formula, atol=1e-12)
assert np.allclose(second.numpy(), second_formula, atol=1e-12)

# %%
figure, axes = plt.subplots(figsize=(9.5, 4))
axes.plot(x.numpy(), y.numpy(), label="tanh(x)")
axes.plot(x.numpy(), first.numpy(), label="first derivative (autograd)")
axes.plot(x.numpy(), second.numpy(), label="second derivative (autograd)")
axes.plot(x.numpy()[::4], second_formula[::4], "k.", label="−2·tanh·(1 − tanh²) (formula)")
axes.axhline(0, color="grey", lw=0.5)
axes.set_xlabel("x")
axes.set_ylabel("value at x")
axes.legend(title="curve", loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: no curve hidden
axes.set_title("tanh and its first two derivatives, both by autograd")
figure.tight_layout()
figure.savefig(lesson.path("tanh_derivatives.png"), dpi=100)
plt.close(figure)
print("saved", lesson.path("tanh_derivatives.png"))

# %% [markdown]
# ## What costs nothing
#
# Without `create_graph`, the backward pass runs with recording switched off: the
# gradients it returns are plain values with no graph behind them.

# %%
plain, = tg.grad(F.tanh(x).sum(), [x])
print("first-order gradient has a graph behind it:", plain.creator is not None)
assert plain.creator is None and not plain.requires_grad
