"""Parameter counts of any torch module: per layer and in total, trainable and frozen, buffers apart.

A parameter shared by several layers (tied weights, such as an embedding and
the output projection that reuses it, or one submodule used twice) is counted
once, where it first appears; the other places list it as shared.  Tools that
add up per-layer counts (torchinfo, thop) count it once per place:
``naive_parameters`` is that sum, for comparison.  Two parameters are the
same when they are the same tensor storage at the same offset, shape and
strides (the same ``Parameter`` object, or an alias of it).
"""
from __future__ import annotations

from expressivity.errors import InputError, echo

import importlib
import os
import sys
from dataclasses import asdict, dataclass
from typing import Any


class ModuleLoadError(InputError):
    """An import path that does not give a torch module; the message says which step failed."""


@dataclass(frozen=True)
class LayerCount:
    """One module's own parameters and buffers (not its children's)."""

    name: str
    type: str
    parameters: int
    trainable: int
    frozen: int
    buffers: int
    shared: tuple[str, ...] = ()  # "param <- first owner" for tied parameters counted elsewhere


@dataclass(frozen=True)
class ModuleCount:
    """Counts of a whole module; every tensor counted once."""

    name: str
    layers: tuple[LayerCount, ...]
    parameters: int
    trainable: int
    frozen: int
    buffers: int
    naive_parameters: int  # the per-place sum, counting a tied parameter once per place

    @property
    def tied(self) -> int:
        """Parameters that the per-place sum counts more than once (extra count)."""
        return self.naive_parameters - self.parameters

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tied"] = self.tied
        return data


def _key(tensor) -> tuple:
    """What makes two parameters the same tensor: storage, offset, shape and strides."""
    try:
        pointer = tensor.untyped_storage().data_ptr()
    except (RuntimeError, NotImplementedError):
        pointer = 0
    if not pointer:  # meta or fake tensors have no storage: fall back on identity
        return ("id", id(tensor))
    return (pointer, tensor.storage_offset(), tuple(tensor.shape), tuple(tensor.stride()))


def count_module(module, name: str = "") -> ModuleCount:
    """Count ``module``'s parameters per layer (tied ones once) and its buffers apart.

    Examples
    --------
    >>> from torch import nn
    >>> embed = nn.Embedding(10, 4)
    >>> head = nn.Linear(4, 10, bias=False)
    >>> head.weight = embed.weight  # tied
    >>> count = count_module(nn.Sequential(embed, head))
    >>> count.parameters, count.naive_parameters, count.layers[1].shared
    (40, 80, ('weight <- 0.weight',))
    >>> bn = count_module(nn.BatchNorm1d(3))
    >>> bn.parameters, bn.buffers
    (6, 7)
    """
    nn = sys.modules.get("torch.nn")  # not imported yet: then nothing is a torch module (and 42 is refused at once)
    if nn is None or not isinstance(module, nn.Module):
        raise ModuleLoadError(f"count_module counts a torch module (torch.nn.Module), got {type(module).__name__}")
    if not isinstance(name, str):
        raise ModuleLoadError(f"name must be a string, got {type(name).__name__}")
    seen_parameters: dict = {}
    seen_buffers: set = set()
    layers = []
    naive = 0
    for module_name, sub in module.named_modules(remove_duplicate=False):
        own, trainable, frozen, shared = 0, 0, 0, []
        for parameter_name, parameter in sub.named_parameters(recurse=False, remove_duplicate=False):
            naive += parameter.numel()
            full = f"{module_name}.{parameter_name}" if module_name else parameter_name
            key = _key(parameter)
            if key in seen_parameters:
                shared.append(f"{parameter_name} <- {seen_parameters[key]}")
                continue
            seen_parameters[key] = full
            own += parameter.numel()
            if parameter.requires_grad:
                trainable += parameter.numel()
            else:
                frozen += parameter.numel()
        buffers = 0
        for _, buffer in sub.named_buffers(recurse=False, remove_duplicate=False):
            if buffer is None:
                continue
            key = _key(buffer)
            if key not in seen_buffers:
                seen_buffers.add(key)
                buffers += buffer.numel()
        if own or buffers or shared:
            layers.append(LayerCount(module_name or "(root)", type(sub).__name__, own, trainable, frozen, buffers, tuple(shared)))
    return ModuleCount(
        name or type(module).__name__,
        tuple(layers),
        sum(layer.parameters for layer in layers),
        sum(layer.trainable for layer in layers),
        sum(layer.frozen for layer in layers),
        sum(layer.buffers for layer in layers),
        naive,
    )


def load_module(path: str):
    """The torch module named by ``package.module:factory``.

    ``factory`` may be a module instance, an ``nn.Module`` class, or a
    function; classes and functions are called with no arguments.  The
    current folder is importable, as with ``python -m``.

    Examples
    --------
    >>> load_module("torch.nn:Identity")
    Identity()
    >>> try:
    ...     load_module("torch.nn:NoSuchThing")
    ... except ModuleLoadError as error:
    ...     print(error)
    module torch.nn has no attribute 'NoSuchThing'
    """
    from torch import nn

    if not isinstance(path, str):
        raise ModuleLoadError(f"give the module as a string package.module:factory, got {type(path).__name__}")
    if len(path) > 1000:  # every message below names the path
        raise ModuleLoadError(f"an import path is at most 1000 characters, got {echo(path)}")
    module_path, colon, attribute = path.partition(":")
    if not colon or not module_path or not attribute:
        raise ModuleLoadError(f"give the module as package.module:factory, got {echo(path)}")
    added = os.getcwd() not in sys.path
    if added:
        sys.path.append(os.getcwd())
    try:
        imported = importlib.import_module(module_path)
    except Exception as error:  # an import runs arbitrary code: report any failure in one line
        raise ModuleLoadError(f"cannot import {module_path}: {type(error).__name__}: {_first_line(error)}") from None
    finally:
        if added and os.getcwd() in sys.path:
            sys.path.remove(os.getcwd())
    target = imported
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ModuleLoadError(f"module {module_path} has no attribute {attribute!r}")
        target = getattr(target, part)
    if isinstance(target, nn.Module):
        return target
    if not callable(target):
        raise ModuleLoadError(f"{path} is a {type(target).__name__}, not a torch module or a factory")
    try:
        made = target()
    except Exception as error:
        raise ModuleLoadError(f"{path}() failed: {type(error).__name__}: {_first_line(error)}") from None
    if not isinstance(made, nn.Module):
        raise ModuleLoadError(f"{path}() returned a {type(made).__name__}, not a torch module")
    return made


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else "(no message)"
