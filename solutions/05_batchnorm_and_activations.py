"""Solutions of lesson 05's exercises (batch norm)."""
import tinygen.functional as F


def _channel_axes(x):
    return (0,) + tuple(range(2, x.ndim))  # every axis but the channels


def batch_norm(x, gamma, beta, eps=1e-5):
    axes = _channel_axes(x)
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=axes, keepdims=True)  # biased: training normalizes by the batch
    per_channel = (1, -1) + (1,) * (x.ndim - 2)
    return gamma.reshape(*per_channel) * centred / F.sqrt(variance + eps) + beta.reshape(*per_channel)


def update_running_stats(running_mean, running_var, x, momentum):
    axes = _channel_axes(x)
    batch_mean, batch_var = x.mean(axis=axes), x.var(axis=axes, ddof=1)  # unbiased: estimates the population's
    return ((1 - momentum) * running_mean + momentum * batch_mean,
            (1 - momentum) * running_var + momentum * batch_var)
