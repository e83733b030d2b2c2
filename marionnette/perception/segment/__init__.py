"""Semantic segmentation: a class for every pixel of a pitch scene (pitch, person, ball).

The learned model is U-Net (Ronneberger, Fischer and Brox, "U-Net: Convolutional Networks
for Biomedical Image Segmentation", MICCAI 2015), the encoder-decoder with skip connections
that the course reads beside SegNet (Badrinarayanan, Kendall and Cipolla, TPAMI 2017); the
classic baseline it is measured against thresholds colours (HSV) or clusters them (k-means
on Lab) and finds the ball as small bright blobs.

=====================  ==================================================================
module                 what it holds
=====================  ==================================================================
:mod:`~.data`          :class:`~.data.SegmentationData` (images, class maps, class names,
                       the held-out flag): read from paired folders (the scenes dataset
                       of ``marionnette data scenes``) or an ``.npz``; training crops
:mod:`~.unet`          the network: contracting path, expanding path, skip connections,
                       a 1x1 classifier; ``predict`` on uint8 frames of any size
:mod:`~.evaluate`      per-class and mean IoU (scikit-learn's confusion matrix), the class
                       map painted over a frame
:mod:`~.baseline`      the classic pipelines: HSV thresholds, k-means on Lab colours
:mod:`~.train`         the trainer (the run directory, exact resume) and ``load(run)``
=====================  ==================================================================

The package imports torch (unet, train) and scikit-learn / scikit-image (evaluate, baseline)
only in the modules that need them; this file imports nothing.
"""
