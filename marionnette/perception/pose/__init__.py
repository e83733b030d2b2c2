"""Pose capture: sources of images, MediaPipe capture, One-Euro filtering."""
