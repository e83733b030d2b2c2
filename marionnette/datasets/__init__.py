"""The data the project makes for itself, so that every learner trains and tests offline.

:mod:`~.actions`: a skeleton action dataset the character performs, filmed as Kinect would
see it (NTU RGB+D's layout and protocols). Learners never import this package: they read
the files it writes (:class:`marionnette.perception.action.data.ActionData`).

:mod:`~.frames`: frames rendered of the arcade games and the character, a folder of PNGs
the generation layer reads as any image folder.

:mod:`~.dancer`: a target person's video and its exact 2-D poses for motion transfer (the
character dressed apart, a fixed camera, some motion held out), one ``.npz``.

:mod:`~.scenes`: pitch scenes of several dressed characters and a ball filmed by a moving
camera, with exact boxes, identities and masks from the renderer's segmentation: COCO json
for the detector, MOTChallenge ground truth for the tracker, class maps for the U-Net.
"""
