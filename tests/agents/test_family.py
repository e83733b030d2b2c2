"""Every module behind --algo fills the declared interface, agents/family.py's AlgorithmFamily."""

import importlib
import inspect

import pytest

from marionnette.agents import ALGOS
from marionnette.agents.family import AlgorithmFamily

MODULES = sorted(set(ALGOS.values()))


def parameters(function, drop_self: bool = False) -> list[tuple[str, object, object]]:
    """Name, kind and default of each parameter: what a caller relies on (annotations may be
    narrower in a family, e.g. ``load`` returning its own Policy class)."""
    params = list(inspect.signature(function).parameters.values())
    return [(p.name, p.kind, p.default) for p in params[1 if drop_self else 0 :]]


@pytest.mark.parametrize("name", MODULES)
def test_every_family_satisfies_the_protocol(name):
    module = importlib.import_module(name)
    assert isinstance(module, AlgorithmFamily)
    assert isinstance(module.CHECKPOINT_EXT, str) and module.CHECKPOINT_EXT.isalnum()
    for method in ("hyperparam_keys", "learn", "load"):
        assert parameters(getattr(module, method)) == parameters(getattr(AlgorithmFamily, method), drop_self=True), (
            f"{name}.{method}{inspect.signature(getattr(module, method))} is not "
            f"AlgorithmFamily.{method}{inspect.signature(getattr(AlgorithmFamily, method))}"
        )


@pytest.mark.parametrize("algo", sorted(ALGOS))
def test_every_algorithm_has_keys_in_its_family(algo):
    module = importlib.import_module(ALGOS[algo])
    assert "n_timesteps" in module.hyperparam_keys(algo)


def test_a_module_missing_a_name_is_not_a_family():
    import types

    half = types.ModuleType("half")
    half.CHECKPOINT_EXT = "npz"
    half.learn = lambda run, config, *, device, resume_from=None, progress=None: None
    assert not isinstance(half, AlgorithmFamily)  # no load, no hyperparam_keys
