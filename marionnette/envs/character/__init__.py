"""Tasks on marionnette's MuJoCo character (:mod:`marionnette.body`), on one base
(:class:`~marionnette.envs.character.base.CharacterEnv`): walk forward (``walk``), imitate a
clip (``imitate``), replay a clip kinematically (``replay``)."""
