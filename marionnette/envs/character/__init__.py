"""Tasks on marionnette's MuJoCo character (:mod:`marionnette.body`): walk, and later
imitate a clip and follow a puppeteer."""
