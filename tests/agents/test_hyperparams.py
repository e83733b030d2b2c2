import pytest

from marionnette.agents import sb3, tabular
from marionnette.agents.hyperparams import apply_overrides, load_hyperparams
from marionnette.errors import MarionnetteError

ID = "marionnette/TicTacToe-v0"


@pytest.mark.parametrize("algo", ["td", "qlearning", "dqn", "ppo", "ppo_mask"])
def test_every_shipped_entry_uses_only_known_keys(algo):
    family = tabular if algo in tabular.ALGOS else sb3
    hp = load_hyperparams(algo, ID)
    assert set(hp) <= family.hyperparam_keys(algo)


def test_overrides_parse_yaml_and_reach_into_mappings():
    hp = load_hyperparams("ppo_mask", ID)
    out = apply_overrides(
        hp,
        ["learning_rate=3e-4", "env_kwargs.opponent=random", "policy_kwargs.net_arch=[64, 64]", "n_envs=2"],
        sb3.hyperparam_keys("ppo_mask"),
    )
    assert out["learning_rate"] == 3e-4 and out["n_envs"] == 2
    assert out["env_kwargs"] == {**hp["env_kwargs"], "opponent": "random"}
    assert out["policy_kwargs"]["net_arch"] == [64, 64]
    assert hp["n_envs"] == 8  # the shipped table is not modified


@pytest.mark.parametrize(
    "item, message",
    [
        ("learnin_rate=1", "did you mean learning_rate"),
        ("learning_rate", "key=value"),
        ("gamma.x=1", "not a mapping"),
    ],
)
def test_bad_overrides_name_the_key(item, message):
    with pytest.raises(MarionnetteError, match=message):
        apply_overrides(load_hyperparams("ppo_mask", ID), [item], sb3.hyperparam_keys("ppo_mask"))


def test_an_env_without_an_entry_names_the_file():
    with pytest.raises(MarionnetteError, match="ppo_mask.yml has no entry"):
        load_hyperparams("ppo_mask", "CartPole-v1")


@pytest.mark.parametrize("algo", ["dqn", "ppo"])
@pytest.mark.parametrize("env_id", ["ALE/Pong-v5", "ALE/Breakout-v5"])
def test_the_atari_entries_are_the_rl_zoos(algo, env_id):
    hp = load_hyperparams(algo, env_id)
    assert set(hp) <= sb3.hyperparam_keys(algo)
    assert hp["policy"] == "CnnPolicy" and hp["n_timesteps"] == 10_000_000 and isinstance(hp["n_timesteps"], int)
    assert hp["learning_rate"] == {"ppo": "lin_2.5e-4", "dqn": 1e-4}[algo]


def test_the_yaml_files_sit_in_the_hyperparams_package():
    from importlib import resources

    from marionnette.agents import ALGOS, hyperparams

    shipped = {p.name for p in resources.files("marionnette.agents.hyperparams").iterdir()}
    assert {f"{algo}.yml" for algo in ALGOS} <= shipped
    assert hyperparams.__file__.endswith("hyperparams/__init__.py")  # a package, not a module beside a folder
