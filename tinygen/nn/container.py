"""Containers: Sequential (layers applied one after another) and ModuleList (layers kept in a list),
both naming their parts "0", "1", ... as in PyTorch."""
from collections import OrderedDict

from tinygen.nn.module import Module


class Sequential(Module):
    """Sequential(layer0, layer1, ...) or Sequential(OrderedDict(name=layer)); forward feeds each into the next."""

    def __init__(self, *modules):
        super().__init__()
        named = modules[0].items() if len(modules) == 1 and isinstance(modules[0], OrderedDict) else (
            (str(i), module) for i, module in enumerate(modules))
        for name, module in named:
            self.add_module(name, module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        return modules[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of Modules whose parameters the owner finds (a plain Python list would hide them).

    It has no forward: the owner decides how to call its parts. Keys are "0.weight", "1.bias", ...
    """

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(modules[index])
        if not -len(modules) <= index < len(modules):
            raise IndexError(f"ModuleList index {index} is out of range for {len(modules)} modules")
        return modules[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def forward(self, *inputs):
        raise NotImplementedError("ModuleList has no forward: call its modules yourself (for layer in self.layers: ...)")
