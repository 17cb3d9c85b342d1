"""How useful are learned features? A softmax classifier trained on them, scored on held-out data.

    logits = features W^T + b    trained by Adam on the cross-entropy, full features in, one linear layer

The same probe on raw pixels is the baseline: features that make the classes more linearly separable
than the pixels score higher. The classifier is tinygen's own (nn.Linear, F.cross_entropy, optim.Adam).
"""
import tinygen.functional as F
from tinygen import backend, nn, optim
from tinygen.autograd import Tensor, no_grad
from tinygen.data import DataLoader, Dataset


def linear_probe_accuracy(train_features, train_labels, test_features, test_labels, epochs=20, lr=1e-2,
                          batch_size=100, seed=0):
    """Test accuracy (a float in [0, 1]) of a softmax classifier fit to (N, D) host features and (N,) int labels."""
    if train_features.ndim != 2 or test_features.ndim != 2 or train_features.shape[1] != test_features.shape[1]:
        raise ValueError(f"linear_probe_accuracy: features must be (N, D) with the same D, got "
                         f"{train_features.shape} and {test_features.shape}")
    backend.manual_seed(seed)
    classes = int(max(train_labels.max(), test_labels.max())) + 1
    classifier = nn.Linear(train_features.shape[1], classes)
    optimizer = optim.Adam(classifier.parameters(), lr=lr)
    loader = DataLoader(Dataset(train_features, train_labels, "features"), batch_size, shuffle=True, seed=seed)
    for _ in range(epochs):
        for features, labels in loader:
            optimizer.zero_grad()
            F.cross_entropy(classifier(Tensor(features)), Tensor(labels)).backward()
            optimizer.step()
    with no_grad():
        predicted = classifier(Tensor(backend.to_backend(test_features))).numpy().argmax(axis=1)
    return float((predicted == test_labels).mean())
