"""Diffusion and flow matching: DDPM, DDIM, classifier-free guidance and rectified flow on a small U-Net."""
