"""A learning rate that falls linearly to zero over a run: lr_t = lr_0 * max(0, 1 - t / T).

Adam with a fixed rate keeps jittering around where it should settle; a rate that shrinks to zero lets
the last steps land precisely (a toy GAN's samples then sit on the modes instead of around them).
PyTorch writes the same schedule as ``torch.optim.lr_scheduler.LinearLR(optimizer, 1.0, 0.0, T)``.

t is the number of steps the optimizer has taken, read from its own state (which its state_dict saves),
so a resumed run goes on with the same schedule and the schedule keeps no counter of its own.
"""
from numbers import Integral


def steps_taken(optimizer):
    """How many steps ``optimizer`` has taken (its parameters' largest step count; 0 before the first)."""
    return max((state["step"] for state in optimizer.state.values()), default=0)


class LinearDecay:
    """Sets every parameter group's lr to its initial value times max(0, 1 - t / total_steps)."""

    def __init__(self, optimizer, total_steps):
        if not isinstance(total_steps, Integral) or isinstance(total_steps, bool) or total_steps < 1:
            raise ValueError(f"LinearDecay: total_steps must be a positive int (the steps over which the rate "
                             f"falls to 0), got {total_steps!r}")
        self.optimizer, self.total_steps = optimizer, int(total_steps)
        self.initial_rates = [group["lr"] for group in optimizer.param_groups]

    def update(self):
        """Set the rate of the optimizer's next step; call it before ``optimizer.step()``."""
        factor = max(0.0, 1.0 - steps_taken(self.optimizer) / self.total_steps)
        for group, rate in zip(self.optimizer.param_groups, self.initial_rates):
            group["lr"] = rate * factor
