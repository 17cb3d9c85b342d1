"""What a model's likelihood number is: its unit and its kind, as its recipe module declares them.

A recipe module whose model has a likelihood says so in one constant (the module that defines the
recipe's ``build``, or else its ``evaluate``, which several families may share):

    LIKELIHOOD = {"unit": "nats", "kind": "exact"}

unit "nats": the negative log-likelihood of the binarized test images (pixels > 0.5, the RBM's
binarization, one for every model), per image, under the metric ``nll_nats``; unit "bits_per_dim":
of the dequantized 8-bit test images, under ``bits_per_dim``. kind "exact": the number is the model's
NLL; "upper_bound": an ELBO or importance-weighted bound (the true NLL is at most this); "estimate":
a stochastic estimate (the RBM's AIS), reported with its standard deviation (``<metric>_std``) and a
rigorous lower bound on the NLL (``<metric>_lower_bound``) beside it. An exact NLL may come with its
standard error over the test images (``<metric>_se``).
"""
import sys

UNITS = {"nats": "nll_nats", "bits_per_dim": "bits_per_dim"}
KINDS = ("exact", "upper_bound", "estimate")


def declared_likelihood(recipe):
    """The LIKELIHOOD constant of the module defining ``recipe.build`` or else ``recipe.evaluate``; None without
    an evaluation or a declaration."""
    if recipe.evaluate is None:
        return None
    modules = [sys.modules.get(function.__module__) for function in (recipe.build, recipe.evaluate)]
    declared = next((module.LIKELIHOOD for module in modules if hasattr(module, "LIKELIHOOD")), None)
    if declared is not None and (declared.get("unit") not in UNITS or declared.get("kind") not in KINDS):
        raise ValueError(f"recipe {recipe.name!r}: LIKELIHOOD must have unit in {tuple(UNITS)} and kind in "
                         f"{KINDS}, got {declared!r}")
    return declared


def likelihood_fields(recipe, metrics):
    """{"likelihood_kind", the metric, its _std and _lower_bound when there} for a model with a likelihood, else {}."""
    declared = declared_likelihood(recipe)
    if declared is None:
        return {}
    key = UNITS[declared["unit"]]
    if key not in metrics:
        raise ValueError(f"recipe {recipe.name!r} declares a likelihood in {declared['unit']}, but its evaluate "
                         f"reported no {key!r} (got {', '.join(metrics)})")
    fields = {"likelihood_kind": declared["kind"], key: metrics[key]}
    extras = (f"{key}_std", f"{key}_lower_bound", f"{key}_se")
    fields.update({name: metrics[name] for name in extras if name in metrics})
    return fields
