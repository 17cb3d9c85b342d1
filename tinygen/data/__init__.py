"""Datasets (shipped MNIST subset, IDX files, toy 2-D mixtures), the DataLoader and noise transforms."""
from tinygen.data.dataset import Dataset
from tinygen.data.datasets import describe_datasets, load_dataset
from tinygen.data.idx import read_idx, write_idx
from tinygen.data.loader import DataLoader
