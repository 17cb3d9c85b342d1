"""Reference points that give the FD a scale: real images, blurred real images, uniform noise.

    python -m tinygen.metrics.calibration [--dataset fashion-mnist]     (prints the README's table)

A generator is as good as real data when its FD is near "real train vs real test"; an FD above
"blurred" means samples worse than real images smeared by a 5x5 box filter. Each dataset is
measured in its own shipped classifier, so the scales of digits and Fashion-MNIST differ.
"""
from tinygen.backend import numpy as np  # host arrays: float64 statistics of host features

from tinygen.data import load_dataset
from tinygen.metrics.sample_quality import SampleQuality

COUNT = 2000


def box_blur(images, size=5):
    """Each pixel replaced by the mean of the size x size window around it (zeros outside): same shape."""
    if not isinstance(size, int) or size < 1 or size % 2 == 0:
        raise ValueError(f"box_blur: size must be an odd positive integer, got {size!r}")
    half = size // 2
    padded = np.pad(images, ((0, 0), (0, 0), (half, half), (half, half)))
    summed = np.zeros_like(images)
    height, width = images.shape[2:]
    for dy in range(size):  # a loop over the window only, as a convolution would
        for dx in range(size):
            summed += padded[:, :, dy:dy + height, dx:dx + width]
    return summed / (size * size)


def calibration(dataset="mnist-5k", count=COUNT, seed=0):
    """{name: {"fd", "classifier_score"}} for real train, blurred real train and noise, each vs the test split."""
    quality = SampleQuality(load_dataset(dataset, "test").images, dataset)
    rng = np.random.default_rng(seed)
    train = load_dataset(dataset, "train").images
    real = train[rng.choice(len(train), size=count, replace=False)]
    candidates = {"real train": real, "real train, 5x5 box blur": box_blur(real),
                  "uniform noise": rng.random(real.shape, dtype=np.float32)}
    return {name: quality.evaluate(images) for name, images in candidates.items()}


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(description="the FD calibration table of a dataset's shipped classifier")
    parser.add_argument("--dataset", default="mnist-5k", help="mnist-5k (default), mnist or fashion-mnist")
    dataset = parser.parse_args(argv).dataset
    table = calibration(dataset)
    print(f"| {COUNT:,} images vs {dataset} test | FD | classifier score |\n| --- | --- | --- |")
    for name, result in table.items():
        print(f"| {name} | {result['fd']:.2f} | {result['classifier_score']:.2f} |")


if __name__ == "__main__":
    import sys

    from tinygen.console import run_command
    sys.exit(run_command(main, "python -m tinygen.metrics.calibration"))
