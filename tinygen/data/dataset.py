"""Dataset: images and labels held together in host memory, indexed like an array."""
import numpy as np


class Dataset:
    """``images`` float32 (N, ...) (pixels in [0, 1], or 2-D points for the toy sets), ``labels`` int64 (N,).

    ``dataset[i]`` is the pair ``(images[i], labels[i])``; ``i`` may be an int, a slice or an
    index array, so a loader takes a whole batch in one indexing step.
    """

    def __init__(self, images, labels, name):
        images = np.asarray(images, dtype=np.float32)
        labels = np.asarray(labels, dtype=np.int64)
        if labels.ndim != 1 or len(labels) != len(images):
            raise ValueError(f"labels must have shape ({len(images)},) to match images {images.shape}, "
                             f"got {labels.shape}")
        self.images, self.labels, self.name = images, labels, name

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]

    def __repr__(self):
        return f"Dataset({self.name!r}, images={self.images.shape}, labels={self.labels.shape})"


def unit_images(pixels):
    """uint8 grey levels (N, H, W), 0..255 -> float32 images (N, 1, H, W) in [0, 1]: x / 255."""
    return pixels[:, None].astype(np.float32) / np.float32(255.0)
