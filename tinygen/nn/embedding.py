"""Embedding: a learned table with one row per integer id (a conditional GAN's label vectors)."""
import tinygen.functional as F
from tinygen import creation
from tinygen.nn import init
from tinygen.nn.module import Module, Parameter, check_sizes


class Embedding(Module):
    """indices (*) integers in [0, num_embeddings) -> (*, embedding_dim): rows of weight (num_embeddings, dim).

    weight starts N(0, 1), as in PyTorch.
    """

    def __init__(self, num_embeddings, embedding_dim):
        super().__init__()
        check_sizes("Embedding", num_embeddings=num_embeddings, embedding_dim=embedding_dim)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = Parameter(creation.zeros(num_embeddings, embedding_dim))
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight)

    def forward(self, indices):
        return F.embedding(indices, self.weight)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"
