"""DQN, PPO and MaskablePPO from stable-baselines3 / sb3-contrib, wired into a run directory.

The algorithms are used as their docs show (``MaskablePPO("MlpPolicy", env).learn(n)``);
what this module adds is the run: hyperparameters from the shipped YAML, checkpoints
written atomically at rollout boundaries (so a resumed run ends on the same step count),
progress.csv and TensorBoard through SB3's own logger, and a masked ``predict``.

SB3 checkpoints are zip files whose parts are unpickled on load: load only files you
trust (your own runs). Before SB3 sees one, :func:`check_checkpoint` reads the zip whole
(every part's CRC) and the algorithm it was written by, so that a file cut short or
another algorithm's is one line naming it, and any other failure keeps its traceback.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import os
import pickle
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from sb3_contrib import MaskablePPO
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from stable_baselines3 import DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import KVWriter, Logger, TensorBoardOutputFormat
from stable_baselines3.common.policies import BasePolicy
from stable_baselines3.common.running_mean_std import RunningMeanStd
from stable_baselines3.common.vec_env import VecNormalize
from stable_baselines3.dqn.policies import DQNPolicy

try:  # a class, which pickles into checkpoints by reference; older SB3 has only the function
    from stable_baselines3.common.utils import LinearSchedule
except ImportError:
    from stable_baselines3.common.utils import get_linear_fn as LinearSchedule

from marionnette.agents.family import ProgressFn
from marionnette.agents.policy import masked_choice
from marionnette.envs import make
from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.files import atomic_open
from marionnette.runs import Checkpoint, ProgressLog, Run

logger = logging.getLogger(__name__)

CHECKPOINT_EXT = "zip"
ALGOS: dict[str, type[BaseAlgorithm]] = {"dqn": DQN, "ppo": PPO, "ppo_mask": MaskablePPO}
# Keys of the YAML that configure the run rather than the algorithm's constructor.
RUN_KEYS = {"n_timesteps", "policy", "n_envs", "env_kwargs", "checkpoint_every", "normalize"}
_NOT_HYPERPARAMS = {"self", "policy", "env", "seed", "device", "verbose", "tensorboard_log", "_init_setup_model"}
# Hyperparameters that take a schedule (a function of the progress remaining, 1 → 0) as
# well as a number; the YAML writes one as the RL Zoo does, e.g. ``learning_rate: lin_2.5e-4``.
SCHEDULE_KEYS = ("learning_rate", "clip_range", "clip_range_vf")
LINEAR = "lin_"


def hyperparam_keys(algo: str) -> set[str]:
    params = inspect.signature(ALGOS[algo].__init__).parameters
    return RUN_KEYS | (set(params) - _NOT_HYPERPARAMS)


def schedule(key: str, value: Any) -> Any:
    """``lin_<start>`` → SB3's linear schedule from ``start`` (at the beginning) to 0 (at the
    end), as the RL Zoo reads it; any other value is returned as it is."""
    if not (isinstance(value, str) and value.startswith(LINEAR)):
        return value
    try:
        start = float(value[len(LINEAR) :])
    except ValueError as e:
        raise MarionnetteError(
            f"{key}={value!r}: a linear schedule is {LINEAR}<start value>, e.g. {LINEAR}2.5e-4"
        ) from e
    return LinearSchedule(start, 0.0, 1.0)  # end_fraction 1: reach 0 when training ends


class _ProgressCSV(KVWriter):
    """SB3 logger output that appends to the run's progress.csv (rewritten atomically)."""

    def __init__(self, log: ProgressLog):
        self.log = log

    def write(self, key_values: dict[str, Any], key_excluded: dict, step: int = 0) -> None:
        values = {
            k: v
            for k, v in key_values.items()
            if isinstance(v, (int, float, np.number)) and "csv" not in (key_excluded.get(k) or ())
        }
        if values:
            self.log.append(step, values)

    def close(self) -> None:
        pass


class _Checkpoints(BaseCallback):
    """Save every ``every`` steps, at the start of a rollout: after the previous update, so
    that a checkpoint holds exactly the steps it has learned from."""

    def __init__(self, run: Run, every: int, algo: str):
        super().__init__()
        self.run, self.every, self.algo = run, every, algo
        self.next_at = 0

    def _init_callback(self) -> None:
        self.next_at = (self.model.num_timesteps // self.every + 1) * self.every

    def _on_rollout_start(self) -> None:
        if self.model.num_timesteps >= self.next_at:
            save(self.model, self.run, self.algo)
            self.next_at = (self.model.num_timesteps // self.every + 1) * self.every

    def _on_step(self) -> bool:
        return True


class _Progress(BaseCallback):
    def __init__(self, report: Callable[[int, int], None], total: int):
        super().__init__()
        self.report, self.total, self.last = report, total, 0

    def _on_step(self) -> bool:
        if self.num_timesteps - self.last >= max(self.total // 200, 1):
            self.report(self.num_timesteps, self.total)
            self.last = self.num_timesteps
        return True


def normalizer_path(checkpoint: Path) -> Path:
    """Where the VecNormalize statistics of a checkpoint live: ``step_N.zip`` -> ``step_N.normalize.npz``."""
    return checkpoint.with_suffix(".normalize.npz")


def save_normalizer(env: VecNormalize, path: Path) -> None:
    """VecNormalize's running statistics as plain arrays (SB3's own ``save`` pickles the whole
    wrapper; arrays load without unpickling anything)."""
    arrays = {
        "norm_obs": np.bool_(env.norm_obs),
        "clip_obs": np.float64(env.clip_obs),
        "epsilon": np.float64(env.epsilon),
    }
    for name in ("obs_rms", "ret_rms"):
        rms = getattr(env, name)
        arrays |= {f"{name}_mean": rms.mean, f"{name}_var": rms.var, f"{name}_count": np.float64(rms.count)}
    with atomic_open(path) as f:
        np.savez(f, **arrays)


NORMALIZER_KEYS = {"norm_obs", "clip_obs", "epsilon"} | {
    f"{name}_{part}" for name in ("obs_rms", "ret_rms") for part in ("mean", "var", "count")
}


def load_normalizer(path: Path) -> dict[str, np.ndarray]:
    """The arrays :func:`save_normalizer` wrote; :class:`CheckpointError` when ``path`` is
    missing, cut short, or not such a file."""
    what = f"{path} is not readable VecNormalize statistics"
    try:
        loaded = np.load(path, allow_pickle=False)
    except FileNotFoundError as e:
        raise CheckpointError(f"{path} is missing: the checkpoint beside it was saved with VecNormalize") from e
    except (zipfile.BadZipFile, EOFError, ValueError) as e:  # cut short; not an npz; pickled data
        raise CheckpointError(f"{what} (cut short or corrupt: {type(e).__name__}: {e})") from e
    if not isinstance(loaded, np.lib.npyio.NpzFile):  # a single .npy array
        raise CheckpointError(f"{what} (one array, not an .npz archive)")
    try:
        with loaded as z:
            missing = NORMALIZER_KEYS - set(z.files)
            if missing:
                raise CheckpointError(f"{what} (no {', '.join(sorted(missing))})")
            return {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, EOFError, ValueError, zlib.error) as e:  # a damaged member
        raise CheckpointError(f"{what} (corrupt: {type(e).__name__}: {e})") from e


def restore_normalizer(env: VecNormalize, stats: dict[str, np.ndarray]) -> None:
    for name in ("obs_rms", "ret_rms"):
        rms = RunningMeanStd(shape=stats[f"{name}_mean"].shape)
        rms.mean, rms.var, rms.count = stats[f"{name}_mean"], stats[f"{name}_var"], float(stats[f"{name}_count"])
        setattr(env, name, rms)


def save(model: BaseAlgorithm, run: Run, algo: str, final: bool = False) -> Path:
    """Write a checkpoint (with DQN's replay buffer, for a faithful resume, and VecNormalize's
    statistics, without which the policy cannot read observations) atomically."""
    step = model.num_timesteps
    path = run.model_path(CHECKPOINT_EXT) if final else run.checkpoint_path(step, CHECKPOINT_EXT)
    normalizer = model.get_vec_normalize_env()
    if normalizer is not None:  # first: a checkpoint is only ever seen with its statistics
        save_normalizer(normalizer, normalizer_path(path))
    with atomic_open(path) as f:
        model.save(f)
    if algo == "dqn" and not final:
        with atomic_open(run.checkpoint_dir / "replay_buffer.pkl") as f:
            model.save_replay_buffer(f)
    return path


def learn(
    run: Run,
    config: dict[str, Any],
    *,
    device: str,
    resume_from: Checkpoint | None = None,
    progress: ProgressFn | None = None,
) -> None:
    """Train (or resume from ``resume_from``) the run's SB3 agent; see :func:`marionnette.agents.train`."""
    algo, env_id, seed = config["algo"], config["env_id"], int(config["seed"])
    hp = dict(config["hyperparams"])
    n_timesteps = int(hp.pop("n_timesteps"))
    policy = hp.pop("policy", "MlpPolicy")
    n_envs = int(hp.pop("n_envs", 1))
    env_kwargs = hp.pop("env_kwargs", {}) or {}
    every = int(hp.pop("checkpoint_every", max(n_timesteps // 10, 1)))
    normalize = hp.pop("normalize", False)  # the RL Zoo's key: true, or VecNormalize's kwargs

    hp.update({key: schedule(key, hp[key]) for key in SCHEDULE_KEYS if key in hp})

    if policy == "MlpPolicy" and torch.device(device).type == "cpu":
        # Small MLPs gain nothing from intra-op threads and lose to their synchronisation:
        # CharacterWalk-v0 trained at ~1,000 steps/s on one thread and ~200 on two (2 cores).
        torch.set_num_threads(1)
    start = resume_from.step if resume_from is not None else 0
    # Built by our `make`, so that ALE ids get the Atari preprocessing; SB3 adds the Monitor.
    env = make_vec_env(functools.partial(make, env_id), n_envs=n_envs, seed=seed + start, env_kwargs=env_kwargs)
    if normalize:
        env = VecNormalize(env, gamma=float(hp.get("gamma", 0.99)), **({} if normalize is True else dict(normalize)))
        if resume_from is not None:
            restore_normalizer(env, load_normalizer(normalizer_path(resume_from.path)))
    Algo = ALGOS[algo]
    if resume_from is None:
        try:
            model = Algo(policy, env, seed=seed, device=device, verbose=0, **hp)
        except TypeError as e:  # e.g. a --set value of the wrong type
            raise MarionnetteError(f"{algo} rejected the hyperparameters in {run.config_path}: {e}") from e
    else:
        model = _load_model(resume_from.path, algo, device=device, env=env)
        buffer = run.checkpoint_dir / "replay_buffer.pkl"  # the newest checkpoint's (one file, rewritten)
        if algo == "dqn" and buffer.exists():
            try:
                model.load_replay_buffer(buffer)
            except (EOFError, pickle.UnpicklingError) as e:  # cut short: the experience is lost, not the run
                logger.warning(
                    "%s does not read (%s: %s): DQN goes on with an empty replay buffer", buffer, type(e).__name__, e
                )
    if model.num_timesteps >= n_timesteps:
        return

    log = ProgressLog(run.progress_path, resume_step=start if resume_from is not None else None)
    model.set_logger(Logger(None, [_ProgressCSV(log), TensorBoardOutputFormat(str(run.tensorboard_dir))]))
    callbacks: list[BaseCallback] = [_Checkpoints(run, every, algo)]
    if progress is not None:
        callbacks.append(_Progress(progress, n_timesteps))
    model.learn(
        total_timesteps=n_timesteps - model.num_timesteps,
        callback=CallbackList(callbacks),
        reset_num_timesteps=resume_from is None,
    )
    save(model, run, algo)
    save(model, run, algo, final=True)
    model.logger.close()
    if progress is not None:
        progress(model.num_timesteps, n_timesteps)


def written_by(algo: str) -> set[str]:
    """The modules of ``algo``'s policy classes: what an SB3 zip's ``data`` records under
    ``policy_class.__module__`` (``stable_baselines3.dqn.policies`` for DQN)."""
    return {cls.__module__ for cls in ALGOS[algo].policy_aliases.values()}


def check_checkpoint(path: Path, algo: str) -> None:
    """Raise :class:`CheckpointError` unless ``path`` is a whole SB3 zip written by ``algo``.

    SB3's own ``load`` reports these cases as an ``AssertionError`` (a zip cut short can
    still open: its last whole part, ``policy.pth``, is a zip itself), a ``ValueError``, or,
    for another algorithm's file, a ``TypeError`` or ``AttributeError`` from deep inside:
    so they are told apart here, before it runs.
    """
    what = f"{path} is not a loadable {algo} checkpoint"
    try:
        with zipfile.ZipFile(path) as archive:
            parts = set(archive.namelist())
            if not {"data", "policy.pth"} <= parts:
                reason = "cut short or corrupt, or not a stable-baselines3 file: it has no 'data' part"
                raise CheckpointError(f"{what} ({reason})")
            damaged = archive.testzip()  # reads every part, checking its CRC
            data = json.loads(archive.read("data"))
    except (zipfile.BadZipFile, EOFError, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{what} (cut short or corrupt: {type(e).__name__}: {e})") from e
    if damaged is not None:
        raise CheckpointError(f"{what} (corrupt: its part {damaged!r} fails its CRC check)")
    policy_class = data.get("policy_class") if isinstance(data, dict) else None
    module = policy_class.get("__module__") if isinstance(policy_class, dict) else None
    if module not in written_by(algo):
        by = [name for name in ALGOS if module in written_by(name)]
        raise CheckpointError(
            f"{what}: it holds {'a ' + by[0] if by else 'another'} policy ({module}); pass the run that made it"
        )


def _load_model(path: Path, algo: str, device: str, env=None) -> BaseAlgorithm:
    check_checkpoint(path, algo)
    return ALGOS[algo].load(path, env=env, device=device)  # any failure past the checks is a bug: keep it


class SB3Policy:
    """``predict(obs, action_mask)`` for any SB3 policy network: MaskablePPO's masks natively;
    for PPO and DQN the mask is applied to the action logits or Q-values."""

    def __init__(self, policy: BasePolicy, seed: int | None = None, normalizer: dict[str, np.ndarray] | None = None,
                 model: BaseAlgorithm | None = None):  # fmt: skip
        self.policy = policy
        self.model = model  # the whole algorithm, loaded from a run's zip; None for an exported (zoo) policy
        self.policy.set_training_mode(False)
        self._rng = np.random.default_rng(seed)
        self.normalizer = normalizer  # VecNormalize's observation statistics, when it trained with them

    def predict(self, obs, action_mask=None, deterministic=True):
        obs = np.asarray(obs, dtype=np.float32)
        if self.normalizer is not None and self.normalizer["norm_obs"]:  # as VecNormalize.normalize_obs does
            n = self.normalizer
            scaled = (obs - n["obs_rms_mean"]) / np.sqrt(n["obs_rms_var"] + n["epsilon"])
            obs = np.clip(scaled, -n["clip_obs"], n["clip_obs"]).astype(np.float32)
        single = obs.shape == self.policy.observation_space.shape
        masked = isinstance(self.policy, MaskableActorCriticPolicy)
        if masked or action_mask is None:
            kwargs = {"action_masks": action_mask} if masked else {}
            action, _ = self.policy.predict(obs, deterministic=deterministic, **kwargs)
        else:
            obs_t, _ = self.policy.obs_to_tensor(obs)  # (N, ...) on the policy's device
            with torch.no_grad():
                if isinstance(self.policy, DQNPolicy):
                    scores = self.policy.q_net(obs_t)  # (N, A) Q-values
                else:
                    scores = self.policy.get_distribution(obs_t).distribution.logits  # (N, A)
            action = masked_choice(scores.cpu().numpy(), action_mask, deterministic, self._rng)
        if isinstance(self.policy.action_space, gym.spaces.Discrete):
            action = np.asarray(action).reshape(-1)
            return int(action[0]) if single else action
        action = np.asarray(action, dtype=np.float32)  # continuous: (A,) for one obs, (N, A) for a batch
        return action.reshape(self.policy.action_space.shape) if single else action


def load(path: Path, algo: str, device: str = "cpu") -> SB3Policy:
    """The policy of an SB3 zip (a run's checkpoint or model, unpickled by SB3: your own runs
    only) or of an exported ``.npz`` (:func:`export`: a zoo agent, arrays only)."""
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path} does not exist: pass a run that has finished or checkpointed")
    if Path(path).suffix == f".{ZOO_EXT}":
        return _load_exported(Path(path), algo, device)
    stats = normalizer_path(Path(path))
    model = _load_model(path, algo, device=device)
    return SB3Policy(model.policy, normalizer=load_normalizer(stats) if stats.exists() else None, model=model)


# --- exported policies: arrays only, for the zoo ---------------------------------------

ZOO_EXT = "npz"
EXPORT_FORMAT = "marionnette.sb3/1"
_WEIGHT, _STAT = "policy:", "normalize:"  # prefixes of the two kinds of array in an exported file


def export(path: Path, dest: Path, config: dict[str, Any], dtype: str = "float32") -> None:
    """Write the policy of the SB3 file ``path`` (our own run's, trusted) to ``dest`` as arrays:
    the policy network's state dict (in ``dtype``), VecNormalize's statistics when it trained
    with them, and what builds the network again (algorithm, policy class and kwargs, env id and
    kwargs, as JSON). :func:`load` reads it with ``allow_pickle=False``."""
    algo = str(config["algo"])
    model = _load_model(path, algo, device="cpu")
    hp = config["hyperparams"]
    spec = {"format": EXPORT_FORMAT, "algo": algo, "env_id": config["env_id"], "policy": hp.get("policy", "MlpPolicy"),
            "policy_kwargs": hp.get("policy_kwargs") or {}, "env_kwargs": hp.get("env_kwargs") or {},
            "use_sde": bool(hp.get("use_sde", False))}  # fmt: skip
    arrays = {"spec": np.array(json.dumps(spec))}
    for key, value in model.policy.state_dict().items():
        value = value.detach().cpu().numpy()
        arrays[_WEIGHT + key] = value.astype(dtype) if value.dtype.kind == "f" else value
    stats = normalizer_path(Path(path))
    if stats.exists():
        arrays |= {_STAT + k: v for k, v in load_normalizer(stats).items()}
    with atomic_open(dest) as f:
        np.savez_compressed(f, **arrays)


def _load_exported(path: Path, algo: str, device: str) -> SB3Policy:
    what = f"{path} is not a readable exported {algo} policy"
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        spec = json.loads(str(arrays.pop("spec")))
    except (zipfile.BadZipFile, EOFError, ValueError, zlib.error, OSError, KeyError, AttributeError) as e:
        # cut short; not an npz; pickled data (refused, never run); no spec
        raise CheckpointError(f"{what} (cut short, corrupt or not ours: {type(e).__name__}: {e})") from e
    if not isinstance(spec, dict) or spec.get("format") != EXPORT_FORMAT or spec.get("algo") != algo:
        raise CheckpointError(f"{what} (no {EXPORT_FORMAT} {algo} spec in it): pass the file `zoo ship` wrote")
    Algo = ALGOS[algo]
    env = make(spec["env_id"], **spec["env_kwargs"])  # its spaces build the network
    try:
        kwargs = dict(spec["policy_kwargs"]) | ({"use_sde": True} if spec["use_sde"] else {})
        policy = Algo.policy_aliases[spec["policy"]](env.observation_space, env.action_space, lambda _: 0.0, **kwargs)
    finally:
        env.close()
    weights = {k[len(_WEIGHT):]: torch.from_numpy(v.astype(np.float32) if v.dtype.kind == "f" else v)
               for k, v in arrays.items() if k.startswith(_WEIGHT)}  # fmt: skip
    expected = {k: tuple(v.shape) for k, v in policy.state_dict().items()}
    found = {k: tuple(v.shape) for k, v in weights.items()}
    if found != expected:
        wrong = sorted(set(expected) ^ set(found)) or [k for k in expected if expected[k] != found[k]]
        key = wrong[0]
        raise CheckpointError(
            f"{path}: its weights do not fit the {spec['policy']} that {spec['env_id']} and its policy_kwargs build "
            f"({key}: {found.get(key, 'missing')} in the file, {expected.get(key, 'none')} in the network); "
            "export it again from the run that made it"
        )
    policy.load_state_dict(weights)
    stats = {k[len(_STAT):]: v for k, v in arrays.items() if k.startswith(_STAT)}
    return SB3Policy(policy.to(device), normalizer=stats or None)
