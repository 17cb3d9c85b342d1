"""The course's plan: what each lesson teaches, what it builds on, how long it takes, and when to teach it.

``PLAN`` holds every lesson of the course map (DESIGN.md's, in teaching order), written or still planned:
the site lists them all, links those built, and times each from its prose and its run. ``WEEKS`` is a
suggested 14-week semester (a 12-week one drops the two review weeks).
"""
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Planned:
    """One lesson of the map: ``number`` "NN", its ``topic``, what a learner can do after it (``objectives``),
    the lessons it builds on and any outside knowledge (``prerequisites``), and the minutes its exercises take."""
    number: str
    topic: str
    objectives: tuple
    prerequisites: tuple = ()
    background: str = ""
    exercise_minutes: int = 60


PLAN = [
    Planned("01", "Autograd", (
        "trace a small computation graph forward and backward by hand, summing the gradients of a reused value",
        "explain why a Function's backward is written in Tensor operations, and take a second derivative",
        "read tinygen's Tensor, Function and backward() and say what each stores"),
        (), "derivatives and the chain rule; Python and NumPy arrays", 50),
    Planned("02", "Gradient checking", (
        "estimate a gradient by central differences and explain why float64 and a moderate step are needed",
        "compare analytic and numerical gradients with a relative error and find a planted bug with gradcheck",
        "state a gradient rule as a property test that hypothesis checks on many shapes"),
        ("01",), "", 45),
    Planned("03", "Convolution", (
        "compute a convolution by sliding a kernel by hand and as one matrix product (im2col)",
        "derive the output size for any stride, padding and dilation and check it against brute force",
        "explain why the gradient of a convolution is again a (transposed) convolution"),
        ("01", "02"), "matrix products", 60),
    Planned("04", "Transposed convolution", (
        "carry out a transposed convolution in its four steps: zero insertion, padding, a stride-1 convolution",
        "derive the output size o = (i - 1)s + k - 2p and the role of output_padding",
        "explain the name: the matrix of a transposed convolution is the transpose of the convolution's"),
        ("03",), "", 60),
    Planned("05", "Batch norm and activations", (
        "normalize a batch per channel and say what changes between training and evaluation mode",
        "keep running statistics the way PyTorch does (the unbiased variance)",
        "recognize dead ReLU units and explain how LeakyReLU keeps a gradient alive"),
        ("01", "03"), "mean and variance", 50),
    Planned("06", "A discriminative classifier", (
        "train a small convolutional classifier on real digits end to end and read its confusion matrix",
        "write softmax cross-entropy from logits so that it never overflows",
        "tell a discriminative model P(y | x) from the generative models that follow"),
        ("03", "05"), "probability: softmax, log-likelihood", 45),
    Planned("07", "The autoencoder", (
        "build an undercomplete autoencoder and train it with binary cross-entropy from logits",
        "relate the code size to the reconstruction error and read a 2-D code coloured by digit",
        "explain why the gaps between the code's clusters make the plain autoencoder a poor generator"),
        ("05", "06"), "", 50),
    Planned("08", "The autoencoder family", (
        "train denoising, sparse, contractive, deep and convolutional autoencoders and say what each changes",
        "compute the contractive penalty in closed form and check it with double backward",
        "write the KL sparsity penalty and read its effect on the code's histogram"),
        ("07", "04"), "", 60),
    Planned("09", "The VAE and the reparameterization trick", (
        "derive KL(N(mu, sigma^2) || N(0, 1)) = 1/2 sum(mu^2 + sigma^2 - log sigma^2 - 1) and check it by Monte Carlo",
        "draw z with the reparameterization trick and say why the gradient reaches mu and sigma",
        "read the ELBO as reconstruction minus KL, and compare a VAE's code clouds with an autoencoder's points"),
        ("07",), "Gaussian densities, expectations, the KL divergence", 60),
    Planned("10", "Exploring a VAE's latent space", (
        "decode a grid of codes, interpolate between digits and apply an attribute vector",
        "compute the importance-weighted bound with a stable log-mean-exp",
        "explain why the IWAE bound tightens as K grows, and measure it against the ELBO"),
        ("09",), "importance sampling", 50),
    Planned("11", "The dense GAN", (
        "write the discriminator's and the generator's losses from logits, the non-saturating way",
        "take one training step apart and show that each half moves only its own player",
        "read D(x) and D(G(z)) during training"),
        ("06",), "minimax games (informally)", 45),
    Planned("12", "DCGAN", (
        "design a generator that upsamples 7 -> 14 -> 28 with transposed convolutions and check its shapes",
        "train a DCGAN and follow its sample quality with the Frechet distance",
        "walk through latent space and compare the generator with its weight average"),
        ("04", "11"), "", 60),
    Planned("13", "The conditional GAN", (
        "condition both players on the label: one-hot next to the noise, label channels on the image",
        "generate a chosen digit and measure how often a classifier agrees with the label asked for",
        "explain how a cGAN models P(X | Y) where a classifier models P(Y | X)"),
        ("12", "06"), "", 45),
    Planned("14", "GAN failure modes, WGAN and WGAN-GP", (
        "show vanishing gradients of the minimax loss and mode collapse on a ring of Gaussians",
        "write the WGAN critic's loss and WGAN-GP's gradient penalty with a differentiable input gradient",
        "compare weight clipping with the gradient penalty on measured mode coverage"),
        ("11", "01"), "the Wasserstein distance (informally)", 60),
    Planned("15", "Restricted Boltzmann machines and contrastive divergence", (
        "compute an RBM's energy and free energy and enumerate a small one exactly",
        "carry out one CD-1 update by hand and relate it to the gradient of the free-energy difference",
        "judge an RBM by pseudo-likelihood and AIS rather than by reconstruction error"),
        ("01", "09"), "Gibbs sampling, Bernoulli variables", 60),
    Planned("16", "The GPU backend", (
        "write an op once for NumPy and CuPy by asking an array for its module",
        "say what a synchronisation is and keep a training step to one host copy, the loss",
        "move arrays between host and device explicitly"),
        ("01", "07"), "", 40),
    Planned("17", "Diffusion (DDPM)", (
        "add noise by the forward process in closed form and train a network to predict it",
        "sample by the reverse process and follow what each step removes",
        "relate the DDPM loss to a bound on the likelihood"),
        ("09", "12"), "", 60),
    Planned("18", "Fast and guided sampling (DDIM, classifier-free guidance)", (
        "sample a trained diffusion model in far fewer steps with DDIM",
        "steer samples toward a class with classifier-free guidance and see the quality/diversity trade",
        "explain why DDIM needs no retraining"),
        ("17", "13"), "", 50),
    Planned("19", "Flow matching", (
        "train a velocity field along straight paths from noise to data",
        "sample by integrating an ordinary differential equation and compare step counts",
        "relate flow matching to diffusion"),
        ("17",), "ordinary differential equations (Euler's method)", 50),
    Planned("20", "Likelihood: exact, bound, estimate", (
        "put every family on one scale: exact likelihoods (autoregressive, flows), bounds (VAE, diffusion), "
        "estimates (RBM by AIS)",
        "convert nats per image to bits per dimension",
        "say which comparisons across families are fair"),
        ("10", "15", "19"), "", 50),
]

WEEKS = [  # (week, lesson numbers, what else happens that week)
    (1, ("01", "02"), ""),
    (2, ("03", "04"), "exercises 01-02 due"),
    (3, ("05", "06"), "exercises 03-04 due"),
    (4, ("07",), "exercises 05-06 due"),
    (5, ("08",), "exercises 07 due"),
    (6, ("09",), "exercises 08 due"),
    (7, ("10",), "exercises 09 due; review of the autoencoders (drop for a 12-week term)"),
    (8, ("11", "12"), "exercises 10 due"),
    (9, ("13", "14"), "exercises 11-12 due"),
    (10, ("15",), "exercises 13-14 due"),
    (11, ("16", "17"), "exercises 15 due"),
    (12, ("18",), "exercises 16-17 due"),
    (13, ("19",), "exercises 18 due; project work (drop for a 12-week term)"),
    (14, ("20",), "exercises 19-20 due; projects presented"),
]

READING_WORDS_PER_MINUTE = 100  # technical prose with formulas and code, read to be understood


def reading_minutes(lesson_source):
    """Minutes to read a lesson script: its comment prose and its code lines, at a careful pace."""
    words = sum(len(re.findall(r"\w+", line)) for line in lesson_source.splitlines())
    return max(5, round(words / READING_WORDS_PER_MINUTE / 5) * 5)


def by_number():
    return {lesson.number: lesson for lesson in PLAN}
