"""Optimizers: SGD (momentum, Nesterov), Adam and RMSprop, with PyTorch's update rules.

An optimizer holds parameter groups (each a list of Tensors with its own hyperparameters)
and, per parameter, the running state its rule needs. ``step()`` changes every parameter
that has a gradient, in place on its raw array: no graph is recorded and no copy is made.

``state_dict()`` names parameters by their position across the groups, so it can be
saved and loaded into a fresh optimizer built over the same parameters; the run then
continues exactly as if it had never stopped.
"""
import numbers

from tinygen import backend
from tinygen.autograd import Tensor
from tinygen.nn.module import Module


class Optimizer:
    """Base class: parameter groups, per-parameter state, zero_grad, step and (load_)state_dict.

    A subclass sets ``defaults`` (its hyperparameters), ``state_names`` (what its state holds),
    ``_check(group)`` and ``_update(param, grad, state, group)`` on raw arrays.
    """

    state_names = ("step",)

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.param_groups = []
        self.state = {}  # position of the parameter across all groups -> {"step": int, name: array}
        for group in self._groups_from(params):
            self.add_param_group(group)

    @property
    def name(self):
        return type(self).__name__

    def _groups_from(self, params):
        if isinstance(params, Module):
            raise TypeError(f"{self.name}: params must be the parameters, not the module: pass "
                            f"model.parameters(), got the {type(params).__name__} itself")
        if isinstance(params, Tensor):
            raise TypeError(f"{self.name}: params must be an iterable of Tensors or of dicts, got a single "
                            "Tensor (wrap it in a list)")
        params = list(params)
        if not params:
            raise ValueError(f"{self.name}: optimizer got an empty parameter list")
        return params if isinstance(params[0], dict) else [{"params": params}]

    def add_param_group(self, group):
        """Add a dict {"params": [...], hyperparameter: value}; missing hyperparameters take the defaults."""
        unknown = sorted(set(group) - set(self.defaults) - {"params"})
        if unknown:
            raise ValueError(f"{self.name}: unknown hyperparameters {unknown}; known: {sorted(self.defaults)}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ValueError(f"{self.name}: optimizer got an empty parameter list")
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{self.name}: parameter {i} of a group must be a Tensor, got {type(p).__name__}")
        known = {id(p) for p in self.parameters()}
        if any(id(p) in known for p in params):
            raise ValueError(f"{self.name}: a parameter appears in more than one group")
        group = {**self.defaults, **group, "params": params}
        self._check_numbers(group)
        self._check(group)
        self.param_groups.append(group)

    def parameters(self):
        """Every parameter, in the order that state_dict numbers them."""
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def step(self):
        """Update every parameter that has a gradient; parameters without one are left alone."""
        index = 0
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    state = self.state.setdefault(index, {"step": 0})
                    state["step"] += 1
                    self._update(p.data, p.grad.data, state, group)
                index += 1

    def _check_numbers(self, group):
        """Every hyperparameter but the flags is a real number (a tuple one, e.g. betas, holds numbers)."""
        is_number = lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool)
        for key, value in group.items():
            if key == "params" or isinstance(self.defaults[key], bool):
                continue
            if not (all(map(is_number, value)) if isinstance(value, (tuple, list)) else is_number(value)):
                raise TypeError(f"{self.name}: {key} must be a number, got {value!r}")

    def _check(self, group):
        raise NotImplementedError

    def _update(self, param, grad, state, group):
        raise NotImplementedError

    def _require(self, condition, hyperparameter, value, rule):
        if not condition:
            raise ValueError(f"{self.name}: {hyperparameter} must {rule}, got {value!r}")

    # --- saving and resuming ------------------------------------------------
    def state_dict(self):
        """{"state": {position: {"step": int, name: array}},
        "param_groups": [{hyperparameter: value, "params": [positions]}]}.

        Arrays are copies (the optimizer keeps stepping); everything else is JSON-able.
        """
        groups, start = [], 0
        for group in self.param_groups:
            saved = {key: list(value) if isinstance(value, tuple) else value
                     for key, value in group.items() if key != "params"}
            saved["params"] = list(range(start, start + len(group["params"])))
            start += len(group["params"])
            groups.append(saved)
        state = {index: {name: value if name == "step" else value.copy() for name, value in entry.items()}
                 for index, entry in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Take hyperparameters and state from ``state_dict``, after checking it fits these parameters.

        Nothing changes unless everything fits. State keys may be ints or their strings (as JSON gives them).
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"{self.name}.load_state_dict: expected the dict that state_dict() returns, "
                            f"got {type(state_dict).__name__}")
        missing = {"state", "param_groups"} - set(state_dict)
        if missing:
            raise ValueError(f"{self.name}.load_state_dict: the state dict lacks {sorted(missing)}")
        groups = self._loaded_groups(state_dict["param_groups"])
        state = self._loaded_state(state_dict["state"])
        self.param_groups, self.state = groups, state

    def _loaded_groups(self, saved_groups):
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{self.name}.load_state_dict: the state dict has {len(saved_groups)} parameter "
                             f"groups, this optimizer has {len(self.param_groups)}")
        groups = []
        for g, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{self.name}.load_state_dict: group {g} holds {len(saved['params'])} parameters "
                                 f"in the state dict, {len(group['params'])} in this optimizer")
            keys = sorted(set(saved) - {"params"})
            if keys != sorted(self.defaults):
                raise ValueError(f"{self.name}.load_state_dict: group {g} has hyperparameters {keys}, "
                                 f"{self.name} has {sorted(self.defaults)}")
            loaded = {key: tuple(saved[key]) if isinstance(self.defaults[key], tuple) else saved[key]
                      for key in keys}
            loaded["params"] = group["params"]
            self._check(loaded)
            groups.append(loaded)
        return groups

    def _loaded_state(self, saved_state):
        params = self.parameters()
        state = {}
        for key, entry in saved_state.items():
            index = int(key)
            if not 0 <= index < len(params):
                raise ValueError(f"{self.name}.load_state_dict: state for parameter {index}, but this optimizer "
                                 f"has {len(params)} parameters (0 to {len(params) - 1})")
            unknown = sorted(set(entry) - set(self.state_names))
            if unknown:
                raise ValueError(f"{self.name}.load_state_dict: parameter {index} has state {unknown}, "
                                 f"{self.name} keeps {list(self.state_names)}")
            state[index] = {name: int(value) if name == "step" else self._loaded_array(index, name, value,
                                                                                        params[index])
                            for name, value in entry.items()}
        return state

    def _loaded_array(self, index, name, value, param):
        if tuple(value.shape) != param.shape:
            raise ValueError(f"{self.name}.load_state_dict: {name} of parameter {index} has shape "
                             f"{tuple(value.shape)}, the parameter has shape {param.shape}")
        return backend.to_backend(value, param.backend).astype(param.dtype, copy=True)

    def __repr__(self):
        lines = [f"{self.name} ("]
        for g, group in enumerate(self.param_groups):
            settings = ", ".join(f"{key}={value}" for key, value in group.items() if key != "params")
            lines.append(f"  group {g}: {len(group['params'])} parameters, {settings}")
        return "\n".join(lines + [")"])


def _zeros_in(state, name, param):
    """The state array ``name``, created as zeros shaped like ``param`` on first use."""
    if name not in state:
        state[name] = backend.get_array_module(param).zeros_like(param)
    return state[name]


class SGD(Optimizer):
    """Stochastic gradient descent, as torch.optim.SGD (g = grad + weight_decay * p):
        b = g on the first step, then b = momentum * b + (1 - dampening) * g;
        g = g + momentum * b (Nesterov) or g = b;   p = p - lr * g.
    """

    state_names = ("step", "momentum_buffer")

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                                      weight_decay=weight_decay))

    def _check(self, group):
        self._require(group["lr"] >= 0, "lr", group["lr"], "be non-negative")
        self._require(group["momentum"] >= 0, "momentum", group["momentum"], "be non-negative")
        self._require(group["weight_decay"] >= 0, "weight_decay", group["weight_decay"], "be non-negative")
        if group["nesterov"]:
            self._require(group["momentum"] > 0 and group["dampening"] == 0, "nesterov", True,
                          f"come with momentum > 0 and dampening = 0 (momentum={group['momentum']}, "
                          f"dampening={group['dampening']})")

    def _update(self, param, grad, state, group):
        momentum = group["momentum"]
        g = grad + group["weight_decay"] * param if group["weight_decay"] else grad
        if momentum:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = g.copy()
            else:
                buffer = state["momentum_buffer"]
                buffer *= momentum
                buffer += (1 - group["dampening"]) * g
            g = g + momentum * state["momentum_buffer"] if group["nesterov"] else state["momentum_buffer"]
        param -= group["lr"] * g


class Adam(Optimizer):
    """Adam, as torch.optim.Adam (g = grad + weight_decay * p, t = step count):
        m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2;
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
    """

    state_names = ("step", "exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    def _check(self, group):
        self._require(group["lr"] >= 0, "lr", group["lr"], "be non-negative")
        self._require(len(group["betas"]) == 2, "betas", group["betas"], "be a pair (beta1, beta2)")
        for i, beta in enumerate(group["betas"]):
            self._require(0 <= beta < 1, f"betas[{i}]", beta, "lie in [0, 1)")
        self._require(group["eps"] >= 0, "eps", group["eps"], "be non-negative")
        self._require(group["weight_decay"] >= 0, "weight_decay", group["weight_decay"], "be non-negative")

    def _update(self, param, grad, state, group):
        """The update in place, through one scratch array: the same operations in the same order as the
        formulas above (so the same bits), without the seven temporaries they would allocate."""
        beta1, beta2 = group["betas"]
        xp = backend.get_array_module(param)
        g = grad + group["weight_decay"] * param if group["weight_decay"] else grad
        exp_avg, exp_avg_sq = _zeros_in(state, "exp_avg", param), _zeros_in(state, "exp_avg_sq", param)
        scratch = xp.multiply(g, 1 - beta1)
        exp_avg *= beta1
        exp_avg += scratch                                   # m = beta1 m + (1 - beta1) g
        xp.multiply(g, 1 - beta2, out=scratch)
        scratch *= g
        exp_avg_sq *= beta2
        exp_avg_sq += scratch                                # v = beta2 v + (1 - beta2) g^2
        xp.sqrt(exp_avg_sq, out=scratch)
        scratch /= (1 - beta2 ** state["step"]) ** 0.5
        scratch += group["eps"]
        xp.divide(exp_avg, scratch, out=scratch)
        scratch *= group["lr"] / (1 - beta1 ** state["step"])
        param -= scratch                                     # p = p - lr / (1 - beta1^t) m / (sqrt(v^) + eps)


class RMSprop(Optimizer):
    """RMSprop, as torch.optim.RMSprop (g = grad + weight_decay * p):
        v = alpha v + (1 - alpha) g^2;   centered: a = alpha a + (1 - alpha) g and v~ = v - a^2, else v~ = v;
        d = g / (sqrt(v~) + eps);   with momentum: b = momentum b + d, p = p - lr b;  else p = p - lr d.
    """

    state_names = ("step", "square_avg", "grad_avg", "momentum_buffer")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    def _check(self, group):
        self._require(group["lr"] >= 0, "lr", group["lr"], "be non-negative")
        self._require(0 <= group["alpha"] <= 1, "alpha", group["alpha"], "lie in [0, 1]")
        self._require(group["eps"] >= 0, "eps", group["eps"], "be non-negative")
        self._require(group["weight_decay"] >= 0, "weight_decay", group["weight_decay"], "be non-negative")
        self._require(group["momentum"] >= 0, "momentum", group["momentum"], "be non-negative")

    def _update(self, param, grad, state, group):
        alpha, xp = group["alpha"], backend.get_array_module(param)
        g = grad + group["weight_decay"] * param if group["weight_decay"] else grad
        square_avg = _zeros_in(state, "square_avg", param)
        square_avg *= alpha
        square_avg += (1 - alpha) * g * g
        if group["centered"]:
            grad_avg = _zeros_in(state, "grad_avg", param)
            grad_avg *= alpha
            grad_avg += (1 - alpha) * g
            scale = xp.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            scale = xp.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buffer = _zeros_in(state, "momentum_buffer", param)
            buffer *= group["momentum"]
            buffer += g / scale
            param -= group["lr"] * buffer
        else:
            param -= group["lr"] * (g / scale)
