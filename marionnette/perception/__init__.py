"""Perception: images in, motion out. Imports only marionnette.motion of ours."""
