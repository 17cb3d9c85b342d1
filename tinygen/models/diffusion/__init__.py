"""Diffusion and flow matching: DDPM, DDIM, classifier-free guidance and rectified flow on a small U-Net.

networks.py and blocks.py (the U-Net), schedules.py (beta schedules), guidance.py (label dropout, the
guided prediction, the base DDPM and flow matching share), model.py (DDPM), flow_matching.py (flow
matching), samplers.py (ancestral, DDIM, Euler, Heun), trainer.py (the step with the weight average),
recipe.py (`tinygen train ddpm | flow-matching`).
"""
from tinygen.models.diffusion import recipe  # noqa: F401  (registers ddpm and flow-matching)
from tinygen.models.diffusion.flow_matching import FlowMatching
from tinygen.models.diffusion.model import DDPM
