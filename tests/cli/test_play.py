"""Keyboard play of the arcade games through gymnasium.utils.play, on SDL's dummy display."""

import gymnasium as gym
import pygame
import pytest

from marionnette.cli.learn import play_with_keyboard
from marionnette.envs.arcade import GAMES
from marionnette.errors import MarionnetteError


@pytest.mark.parametrize("game", sorted(GAMES))
def test_every_action_has_its_own_keys(game):
    env = gym.make(f"marionnette/{game}-v0")
    keys = env.unwrapped.get_keys_to_action()
    names = env.unwrapped.get_action_meanings()
    assert sorted(keys.values()) == list(range(1, len(names)))  # every action but NOOP, once
    for combo, action in keys.items():
        assert list(combo) == sorted(combo)
        if "FIRE" in names[action]:
            assert ord(" ") in combo


def test_held_keys_drive_the_game(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    actions = []

    def callback(obs, next_obs, action, reward, terminated, truncated, info):
        actions.append(action)
        if len(actions) == 5:  # a person presses D + space: RIGHTFIRE in Pong
            for key in (ord("d"), ord(" ")):
                pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))
        if len(actions) == 10:
            pygame.event.post(pygame.event.Event(pygame.KEYUP, key=ord(" ")))
        if len(actions) == 15:
            pygame.event.post(pygame.event.Event(pygame.QUIT))

    play_with_keyboard("marionnette/Pong-v0", seed=0, callback=callback)
    meanings = gym.make("marionnette/Pong-v0").unwrapped.get_action_meanings()
    played = [meanings[a] for a in actions]
    assert played[:5] == ["NOOP"] * 5
    assert played[5:10] == ["RIGHTFIRE"] * 5
    assert played[10:] == ["RIGHT"] * 5


def test_no_display_is_one_clear_line(monkeypatch):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(MarionnetteError, match="no display"):
        play_with_keyboard("marionnette/Pong-v0")
