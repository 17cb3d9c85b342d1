"""Layers and models: Module, Parameter, the layers the course draws, Sequential, init, summary.

Names and weight layouts follow torch.nn, so state_dicts move between the two.
"""
from tinygen.nn import init, utils
from tinygen.nn.activation import LeakyReLU, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh
from tinygen.nn.attention import SelfAttention2d
from tinygen.nn.container import ModuleList, Sequential
from tinygen.nn.conv import Conv2d, ConvTranspose2d
from tinygen.nn.dropout import Dropout
from tinygen.nn.embedding import Embedding
from tinygen.nn.linear import Linear
from tinygen.nn.module import Module, Parameter
from tinygen.nn.norm import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from tinygen.nn.pooling import AvgPool2d, MaxPool2d, Upsample
from tinygen.nn.shape import Flatten, Identity, Reshape, Unflatten
from tinygen.nn.summary import parameter_count, summary
