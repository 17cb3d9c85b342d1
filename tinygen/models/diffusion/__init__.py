"""Diffusion and flow matching: DDPM, DDIM, classifier-free guidance and rectified flow on one small U-Net.

schedules.py (beta schedules), guidance.py (label dropout, guided prediction, the shared model base),
model.py (DDPM), flow_matching.py (flow matching), samplers.py (ancestral, DDIM, Euler, Heun),
trainer.py (the step with the weight average).
"""
