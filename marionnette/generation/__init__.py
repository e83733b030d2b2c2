"""Generation: images made from data, on the GPU when there is one.

:mod:`~.autoencoders` (plain, denoising, sparse, VAE; MLP and convolutional),
:mod:`~.style` (Gatys' optimisation, the fast feed-forward network, texture synthesis),
and, next, colorization and motion transfer. VGG features come from :mod:`marionnette.nets`,
shared with perception; the trainers write the run directory every trainer writes
(:mod:`marionnette.nets.training`).
"""
