"""A light avatar: the character drawn with OpenCV from its own geometry, no OpenGL.

:class:`SketchCamera` films the character like :class:`~marionnette.body.BodyCamera` (the same
named cameras, pose and intrinsics, read from ``data``), but paints what it sees: each
capsule, sphere and box of the body, projected and filled far to near (the painter's
algorithm), in the geom's own colour, lit by the model's lights and MuJoCo's headlight on
its normal, over the floor's checker. Where OpenGL renders in software (Mesa's llvmpipe on
a machine without a GPU: 14-30 ms a frame at any size) it costs about a millisecond at the
puppet's 360x480; :func:`open_avatar` picks it, or MuJoCo's renderer where a GPU renders.

What it leaves out: shadows, reflections, specular light, textures other than a checker
floor, meshes and height fields; an ellipsoid is drawn as a sphere of its mean radius.
Overlaps between geoms are sorted by their centres' depth, not per pixel, so where two
limbs cross at a slant the nearer centre wins, and a small geom sunk into a larger one (the
character's eyes and mouth in its head) shows whole instead of the sliver that sticks out.
"""

from __future__ import annotations

import math
import re
import time

import mujoco
import numpy as np

from marionnette.body.camera import CAMERAS, BodyCamera, _load_triton_first
from marionnette.errors import MarionnetteError

AVATARS = ("auto", "mujoco", "sketch")
"""``mujoco``: MuJoCo's renderer (:class:`BodyCamera`); ``sketch``: :class:`SketchCamera`;
``auto``: MuJoCo's renderer where a GPU renders, else the sketch (:func:`open_avatar`)."""

# GL_RENDERER strings of the software rasterisers an OpenGL context may land on: Mesa's
# llvmpipe / softpipe / swrast (EGL and OSMesa without a GPU), lavapipe (Zink over
# Vulkan's), Google's SwiftShader, Microsoft's GDI fallback ("GDI Generic").
_SOFTWARE = re.compile(r"llvmpipe|softpipe|swrast|software|lavapipe|swiftshader|gdi generic", re.IGNORECASE)
# When the renderer's name cannot be read: a frame from a GPU takes well under a
# millisecond at avatar sizes, from llvmpipe 14-30 ms on 2-16 cores; 8 ms splits them.
_RENDER_BUDGET_S = 0.008

_SHIFT = 4  # sub-pixel bits of cv2's drawing coordinates: 1/16 px
_ONE = 1 << _SHIFT
_HIGHLIGHT = 0.55  # the lit core's radius, as a share of the geom's
_FLOOR_CELLS = 16.0  # metres around the camera's foot over which the floor's checker is drawn


def import_cv2():
    """``cv2`` (opencv-contrib-python, which MediaPipe brings), or a one-line error."""
    try:
        import cv2
    except ImportError as e:
        raise MarionnetteError(
            f"the sketch avatar draws with OpenCV, which is not installed ({e}): pip install 'marionnette[pose]'"
        ) from e
    return cv2


def check_avatar(avatar: str) -> str:
    """``avatar`` if it is one of :data:`AVATARS`, else a one-line :class:`MarionnetteError`."""
    if avatar not in AVATARS:
        raise MarionnetteError(f"avatar {avatar!r}: choose one of {', '.join(AVATARS)}")
    return avatar


def opengl_renderer() -> str | None:
    """The ``GL_RENDERER`` of the OpenGL context MuJoCo opens here (``MUJOCO_GL``), e.g.
    ``llvmpipe (LLVM 15.0.6, 256 bits)`` or ``NVIDIA H200/PCIe/SSE2``; ``None`` when no
    context opens or its renderer cannot be read."""
    _load_triton_first()
    try:
        context = mujoco.GLContext(16, 16)
    except Exception:  # no OpenGL backend at all
        return None
    try:
        context.make_current()
        from OpenGL import GL  # PyOpenGL, a dependency of mujoco; on the platform mujoco chose

        name = GL.glGetString(GL.GL_RENDERER)
        return name.decode(errors="replace") if isinstance(name, bytes) else None
    except Exception:
        return None
    finally:
        context.free()


def renders_in_software(renderer: str) -> bool:
    """Whether a ``GL_RENDERER`` string names a software rasteriser (no GPU)."""
    return bool(_SOFTWARE.search(renderer))


def open_avatar(
    model: mujoco.MjModel, avatar: str = "auto", camera: str = "front", width: int = 640, height: int = 480
) -> BodyCamera | SketchCamera:
    """The camera that films the avatar: a :class:`BodyCamera` or a :class:`SketchCamera`.

    ``auto`` (:data:`AVATARS`) asks the OpenGL context MuJoCo would render with for its
    renderer's name: a software rasteriser (llvmpipe, ...) or no context at all gets the
    sketch, anything else MuJoCo's renderer. The name is read once, costs one context
    (~0.1-0.4 s), and unlike a timed trial render it does not change with how loaded the
    machine is, nor with a GPU's first-frame warm-up; an EGL vendor check alone would miss
    GLFW and OSMesa contexts. Only where the name cannot be read are renders timed: the
    fastest of three against an 8 ms budget (a GPU takes well under 1 ms, llvmpipe 14-30 ms;
    the fastest, because a loaded machine only ever slows a frame down).
    """
    check_avatar(avatar)
    if avatar == "sketch":
        return SketchCamera(model, camera, width, height)
    if avatar == "mujoco":
        return BodyCamera(model, camera, width, height)
    renderer = opengl_renderer()
    if renderer is not None and renders_in_software(renderer):
        return SketchCamera(model, camera, width, height)
    try:
        body = BodyCamera(model, camera, width, height)
    except MarionnetteError:  # no OpenGL here: the sketch needs none
        return SketchCamera(model, camera, width, height)
    if renderer is None:
        data = mujoco.MjData(model)
        mujoco.mj_forward(model, data)
        body.render(data)  # the first frame compiles shaders and uploads the model
        fastest = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            body.render(data)
            fastest = min(fastest, time.perf_counter() - started)
        if fastest > _RENDER_BUDGET_S:
            body.close()
            return SketchCamera(model, camera, width, height)
    return body


class SketchCamera:
    """One named camera of the character's model, drawing RGB frames ``(H, W, 3)`` uint8 with OpenCV.

    The same camera as :class:`BodyCamera` (its pose in ``data``, ``cam_fovy``, the image
    centre as principal point), so :meth:`project` agrees with it and the sketch's
    silhouette lies where MuJoCo's render has it. Needs no OpenGL context; :meth:`close`
    (or ``with``) is there so that either camera can stand in the same place.
    """

    def __init__(self, model: mujoco.MjModel, camera: str = "track", width: int = 640, height: int = 480):
        if camera not in CAMERAS or mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, camera) < 0:
            raise MarionnetteError(f"camera {camera!r}: the character has {', '.join(CAMERAS)}")
        if width < 1 or height < 1:
            raise MarionnetteError(f"{width}x{height}: an image needs at least one pixel each way")
        self._cv2 = import_cv2()
        self.model = model
        self.camera = camera
        self.camera_id = model.camera(camera).id
        self.width, self.height = width, height
        self.focal = 0.5 * height / math.tan(math.radians(model.cam_fovy[self.camera_id]) / 2)
        self.znear = model.vis.map.znear * model.stat.extent  # MuJoCo's clipping planes, in metres
        self.zfar = model.vis.map.zfar * model.stat.extent
        rgba = _rgba(model)
        visible = (model.geom_group < 3) & (rgba[:, 3] > 0)  # MuJoCo shows geom groups 0-2 by default
        self._planes = [_Floor(model, int(g)) for g in np.flatnonzero(visible & (model.geom_type == _PLANE))]
        self._solids = np.flatnonzero(visible & np.isin(model.geom_type, _SOLIDS))
        self._rgb = rgba[self._solids, :3].astype(np.float64)  # (N, 3)
        types = model.geom_type[self._solids]
        self._long = np.isin(types, (_CAPSULE, _CYLINDER))  # (N,) drawn as two ends and the band between
        self._flat = types == _CYLINDER  # (N,) its ends are discs (ellipses in the image), not half-spheres
        self._box = types == _BOX
        size = model.geom_size[self._solids]
        self._radius = np.where(types == _ELLIPSOID, size.mean(axis=1), size[:, 0])  # (N,) metres
        self._half = np.where(self._long, size[:, 1], 0.0)  # (N,) half-length of the axis segment

    # -- the camera ------------------------------------------------------------------------

    def _frame(self, data: mujoco.MjData) -> tuple[np.ndarray, np.ndarray]:
        """The camera's position (3,) and rotation (3, 3) (columns: its axes in the world)."""
        return data.cam_xpos[self.camera_id].copy(), data.cam_xmat[self.camera_id].reshape(3, 3).copy()

    def _pixels(self, local: np.ndarray) -> np.ndarray:
        """``(..., 3)`` camera-frame points (in front) -> ``(..., 2)`` pixel coordinates (u right, v down)."""
        depth = -local[..., 2]
        u = 0.5 * self.width + self.focal * local[..., 0] / depth
        v = 0.5 * self.height - self.focal * local[..., 1] / depth
        return np.stack([u, v], axis=-1)

    def _fixed(self, local: np.ndarray) -> np.ndarray:
        """Camera-frame points -> cv2's fixed-point drawing coordinates (pixel i's centre at i)."""
        return np.round((self._pixels(local) - 0.5) * _ONE).astype(np.int32)

    def project(self, data: mujoco.MjData, points: np.ndarray) -> np.ndarray:
        """``(N, 3)`` MuJoCo world points -> ``(N, 2)`` pixel coordinates ``(u right, v down)``
        in this camera's image; points behind the camera come back as NaN (as :meth:`BodyCamera.project`)."""
        position, rotation = self._frame(data)
        local = (np.asarray(points, dtype=np.float64).reshape(-1, 3) - position) @ rotation
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = self._pixels(local)
        uv[-local[:, 2] <= 0] = np.nan
        return uv

    # -- drawing ---------------------------------------------------------------------------

    def render(self, data: mujoco.MjData) -> np.ndarray:
        """The character as this camera sees ``data`` now: ``(H, W, 3)`` uint8 (after ``mj_forward``,
        as for MuJoCo's renderer: the geoms' and the camera's poses are read from ``data``)."""
        image = np.zeros((self.height, self.width, 3), np.uint8)  # MuJoCo's sky without its skybox
        self._paint(data, image, ids=False)
        return image

    def segmentation(self, data: mujoco.MjData) -> np.ndarray:
        """``(H, W)`` int: the geom id drawn at each pixel (-1 for background), as :meth:`BodyCamera.segmentation`."""
        ids = np.full((self.height, self.width), -1, np.int32)
        self._paint(data, ids, ids=True)
        return ids

    def _paint(self, data: mujoco.MjData, canvas: np.ndarray, ids: bool) -> None:
        """The floor, then every solid far to near; in geom ids instead of colours when ``ids``."""
        cv2 = self._cv2
        line = cv2.LINE_8 if ids else cv2.LINE_AA
        position, rotation = self._frame(data)
        lights = _Lights(self.model, data, rotation)
        for floor in self._planes:
            floor.paint(self, canvas, data, position, rotation, lights, ids)
        if not len(self._solids):
            return
        g = self._solids
        centre = data.geom_xpos[g]  # (N, 3)
        axes = data.geom_xmat[g].reshape(-1, 3, 3)  # (N, 3, 3): columns, the geom's axes in the world
        axis = axes[:, :, 2]
        ends = centre[:, None] + np.array([1.0, -1.0])[None, :, None] * (self._half[:, None] * axis)[:, None]
        local = (ends - position) @ rotation  # (N, 2, 3)
        depth = -local[..., 2]  # (N, 2)
        shown = (depth.min(axis=1) - self._radius > self.znear) | self._box  # wholly past the near plane
        order = np.argsort(-depth.mean(axis=1), kind="stable")  # far to near
        if not shown.any():
            return
        local = np.where(shown[:, None, None], local, [0.0, 0.0, -1.0])  # what is not drawn, kept finite
        view = _units(position - centre)  # (N, 3) towards the camera
        along = (view * axis).sum(axis=1) * self._long  # cos(view, axis) for capsules, 0 for round geoms
        if ids:
            layers = [self._layer(local, None, 1.0, [(int(k),) for k in g], shown)]
        else:
            side = 4 * self._half * np.sqrt(np.maximum(0.0, 1.0 - along**2))  # the side's area seen, / radius
            share = side / (side + np.pi * self._radius)  # the side's share of what is seen (the caps: the rest)
            weight = self._long * np.minimum(1.0, 2 * share)  # lit as a cylinder, unless seen end-on
            normal = _units(view - (weight * along)[:, None] * axis)  # the surface facing the camera
            best = lights.best(normal, view, axis, weight, centre)  # where the lit core goes
            bright = lights.tones(best, centre)
            mirrored = _units(2 * (best * normal).sum(axis=1, keepdims=True) * normal - best)
            dark = np.minimum(lights.tones(mirrored, centre), 0.8 * bright)
            pixels = self.focal * self._radius / depth.mean(axis=1)  # (N,) the geom's radius in the image
            small = pixels < 2.5  # a few pixels across: one flat fill in the lit tone
            towards = (best - (best * normal).sum(axis=1, keepdims=True) * normal) @ rotation  # to the light, across
            layers = [  # far to near within the geom: the rim, a middle tone on large ones, the lit core
                self._layer(local, None, 1.0, _colours(self._rgb, np.where(small, bright, dark)), shown),
                self._layer(local, towards * 0.2, 0.8, _colours(self._rgb, (dark + bright) / 2), shown & (pixels >= 6)),
                self._layer(local, towards * 0.45, _HIGHLIGHT, _colours(self._rgb, bright), shown & ~small),
            ]
        tilt = self._tilt(self._pixels(local), along)  # a cylinder's end ellipses: their angle and squash
        for i in order:
            if not shown[i]:
                continue
            if self._box[i]:
                box = (int(g[i]), centre[i], axes[i], self._rgb[i])
                self._paint_box(canvas, *box, position, rotation, lights, layers[0][3][i] if ids else None)
                continue
            flat = tilt[i] if self._flat[i] else None
            for centres, radii, quads, colours, drawn in layers:
                if drawn[i]:
                    self._disc(canvas, centres[i], radii[i], quads[i], self._long[i], flat, colours[i], line)

    def _layer(self, local, offset, fraction, colours, drawn) -> tuple:
        """One fill of every geom, shrunk to ``fraction`` of its radius and moved by ``offset`` (N, 3)
        radii (camera frame): its end centres and radii (fixed point), band quads, colours, and where drawn."""
        if offset is not None:
            local = local + (offset * self._radius[:, None])[:, None]
        uv = self._pixels(local) - 0.5  # (N, 2, 2)
        radius = fraction * self.focal * self._radius[:, None] / np.maximum(-local[..., 2], self.znear)  # (N, 2)
        centres = np.round(uv * _ONE).astype(np.int32).tolist()
        radii = np.maximum(np.round(radius * _ONE), 1).astype(np.int32).tolist()
        return centres, radii, np.round(_band(uv, radius) * _ONE).astype(np.int32), colours, drawn

    def _tilt(self, uv: np.ndarray, along: np.ndarray) -> list:
        """Per geom, the angle (degrees) of the band's across direction in the image, and how far
        its end discs are squashed along the band (``|cos|`` of the axis to the view)."""
        du, dv = (uv[:, 1] - uv[:, 0]).T
        angle = np.degrees(np.arctan2(dv, du)) + 90.0
        return np.stack([angle, np.abs(along)], axis=1).tolist()

    def _disc(self, canvas, centres, radii, quad, long, flat, colour, line) -> None:
        """A sphere's disc, or a capsule's two round ends and the band between them; a
        cylinder's ends (``flat``: the angle and squash of their ellipses) are flat discs."""
        cv2 = self._cv2
        if long:
            cv2.fillConvexPoly(canvas, quad, colour, line, _SHIFT)
        for k in range(2 if long else 1):
            if flat is None:
                cv2.circle(canvas, centres[k], radii[k], colour, -1, line, _SHIFT)
            else:
                axes = (radii[k], max(int(round(radii[k] * flat[1])), 1))
                cv2.ellipse(canvas, centres[k], axes, flat[0], 0, 360, colour, -1, line, _SHIFT)

    def _paint_box(self, canvas, geom, centre, axes, rgb, position, rotation, lights, ids: tuple | None) -> None:
        """The faces of a box that face the camera, each a filled polygon lit on its normal (or its ``ids``)."""
        cv2 = self._cv2
        size = self.model.geom_size[geom]
        corners = centre + (_CORNERS * size) @ axes.T  # (8, 3)
        local = (corners - position) @ rotation
        if (-local[:, 2] < self.znear).any():
            return
        fixed = self._fixed(local)
        for k in range(3):
            for sign in (-1.0, 1.0):
                normal = sign * axes[:, k]
                face = centre + normal * size[k]
                if normal @ (position - face) <= 0:
                    continue  # faces away
                ring = np.flatnonzero(_CORNERS[:, k] == sign)[[0, 1, 3, 2]]  # its 4 corners, around it
                colour = ids or _colours(rgb[None], lights.tones(normal[None], face[None]))[0]
                cv2.fillConvexPoly(canvas, fixed[ring], colour, cv2.LINE_8 if ids else cv2.LINE_AA, _SHIFT)

    def close(self) -> None:
        """Nothing to free (no OpenGL context); here so that it stands in for a :class:`BodyCamera`."""

    def __enter__(self) -> SketchCamera:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_PLANE, _SPHERE, _CAPSULE, _ELLIPSOID, _CYLINDER, _BOX = (
    int(mujoco.mjtGeom.mjGEOM_PLANE),
    int(mujoco.mjtGeom.mjGEOM_SPHERE),
    int(mujoco.mjtGeom.mjGEOM_CAPSULE),
    int(mujoco.mjtGeom.mjGEOM_ELLIPSOID),
    int(mujoco.mjtGeom.mjGEOM_CYLINDER),
    int(mujoco.mjtGeom.mjGEOM_BOX),
)
_SOLIDS = (_SPHERE, _CAPSULE, _ELLIPSOID, _CYLINDER, _BOX)
_CORNERS = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], np.float64)  # (8, 3)


class _Floor:
    """A plane geom: its quad (to MuJoCo's far plane when infinite) in the average of its checker's
    two colours and, within :data:`_FLOOR_CELLS` of the camera's foot, the checker itself."""

    def __init__(self, model: mujoco.MjModel, geom: int):
        self.geom = geom
        self.half = model.geom_size[geom, :2].copy()  # 0: infinite
        self.light, self.dark = _floor_colours(model, geom)
        material = model.geom_matid[geom]
        repeat = float(model.mat_texrepeat[material, 0]) if material >= 0 else 1.0
        self.cell = 1.0 / repeat if repeat > 0 else 1.0  # metres: matches MuJoCo's render of the character's floor
        k = int(math.ceil(_FLOOR_CELLS / self.cell))
        steps = np.arange(-k, k + 1)
        self.lattice = np.stack(np.meshgrid(steps, steps, indexing="ij"), axis=-1).reshape(-1, 2)  # (V, 2) cells
        n = len(steps)
        i, j = np.meshgrid(np.arange(n - 1), np.arange(n - 1), indexing="ij")
        first = (i * n + j).ravel()
        cells = np.stack([first, first + n, first + n + 1, first + 1], axis=1)  # (C, 4) vertices, around
        parity = ((i + j) % 2).ravel()  # (C,)
        self.cells = (cells[parity == 0], cells[parity == 1])  # the two colours' cells, when the lattice is even

    def paint(self, sketch: SketchCamera, canvas, data, position, rotation, lights, ids: bool) -> None:
        """The plane as ``sketch``'s camera (at ``position``, turned by ``rotation``) sees it, onto ``canvas``."""
        cv2 = sketch._cv2
        line = cv2.LINE_8 if ids else cv2.LINE_AA
        centre = data.geom_xpos[self.geom]
        axes = data.geom_xmat[self.geom].reshape(3, 3)
        normal, plane = axes[:, 2], axes[:, :2]
        height = normal @ (position - centre)
        if height <= 0:
            return  # seen from below: MuJoCo draws a plane's top side only
        foot = (position - centre) @ plane  # (2,) the camera's foot, in the plane's coordinates
        infinite = self.half <= 0
        middle = np.where(infinite, foot, 0.0)
        half = np.where(infinite, sketch.zfar, self.half)
        square = middle + half * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float64)
        polygon = _clip_near(((centre + square @ plane.T) - position) @ rotation, sketch.znear)
        if len(polygon) < 3:
            return
        if ids:
            colour = (self.geom,)
        else:
            ahead = position - normal * height - rotation[:, 2] * max(height, 1.0)  # a floor point in view
            tone = lights.tones(normal[None], ahead[None])
            mean = self.light if self.dark is None else (self.light + self.dark) / 2
            colour = _colours(mean[None], tone)[0]
        cv2.fillPoly(canvas, [sketch._fixed(polygon)], colour, line, _SHIFT)
        if ids or self.dark is None:
            return
        snap = np.floor(foot / self.cell).astype(int)  # the lattice moves with the camera, cell by cell
        vertices = (snap + self.lattice) * self.cell  # (V, 2)
        low, high = vertices.min(axis=0), vertices.max(axis=0)
        low, high = (
            np.where(infinite, low, np.maximum(low, -self.half)),
            np.where(infinite, high, np.minimum(high, self.half)),
        )
        square = np.array([[low[0], low[1]], [high[0], low[1]], [high[0], high[1]], [low[0], high[1]]])
        polygon = _clip_near(((centre + square @ plane.T) - position) @ rotation, sketch.znear)
        if len(polygon) >= 3:  # the checker's square in its light colour, then its dark cells over it
            cv2.fillPoly(canvas, [sketch._fixed(polygon)], _colours(self.light[None], tone)[0], line, _SHIFT)
        cells = self.cells[1 - int(snap.sum()) % 2]  # the dark ones, in the world's own parity
        local = ((centre + vertices @ plane.T) - position) @ rotation  # (V, 3)
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = sketch._pixels(local) - 0.5  # (V, 2)
        # Cohen-Sutherland out-codes: a cell is kept when no corner is behind the near plane (or
        # off a finite plane) and not all four are off the image on one side.
        code = (
            (uv[:, 0] < 0) | (uv[:, 0] >= sketch.width) << 1 | (uv[:, 1] < 0) << 2 | (uv[:, 1] >= sketch.height) << 3
        ).astype(np.uint8)
        gone = -local[:, 2] <= sketch.znear
        if not infinite.all():
            gone |= ((np.abs(vertices) > self.half + 1e-9) & ~infinite).any(axis=1)
        c, g = code[cells], gone[cells]  # (C, 4)
        keep = ~(g[:, 0] | g[:, 1] | g[:, 2] | g[:, 3]) & ((c[:, 0] & c[:, 1] & c[:, 2] & c[:, 3]) == 0)
        if keep.any():
            shapes = list(np.round(uv[cells[keep]] * _ONE).astype(np.int32))
            cv2.fillPoly(canvas, shapes, _colours(self.dark[None], tone)[0], line, _SHIFT)


class _Lights:
    """MuJoCo's lighting without specular: ambient, plus each light's diffuse on ``max(0, n . l)``,
    summed and clipped at 1 as OpenGL does. The headlight is directional, along the camera's
    axis (as MuJoCo's: a floor seen at a grazing angle gets none of it); spot lights shine from
    where they are, without their cone or attenuation."""

    def __init__(self, model: mujoco.MjModel, data: mujoco.MjData, rotation: np.ndarray):
        head = model.vis.headlight
        on = np.flatnonzero(model.light_active)
        self.back = rotation[:, 2]  # the camera looks along -z: towards it, along its axis
        self.ambient = float(np.mean(head.ambient)) + float(model.light_ambient[on].mean(axis=1).sum())
        self.head = float(np.mean(head.diffuse)) if head.active else 0.0
        if hasattr(model, "light_type"):  # mujoco >= 3.3
            self.directional = model.light_type[on] == mujoco.mjtLightType.mjLIGHT_DIRECTIONAL
        else:
            self.directional = model.light_directional[on].astype(bool)
        self.diffuse = model.light_diffuse[on].mean(axis=1)  # (L,)
        self.direction = -data.light_xdir[on]  # (L, 3): towards a directional light
        self.position = data.light_xpos[on]

    def towards(self, points: np.ndarray) -> np.ndarray:
        """``(N, L, 3)`` unit directions from each of ``points`` (N, 3) to each light."""
        if self.directional.all():
            return np.broadcast_to(self.direction, (len(points), *self.direction.shape))
        to = _units(self.position[None] - points[:, None])
        return np.where(self.directional[None, :, None], self.direction[None], to)

    def tones(self, normals: np.ndarray, points: np.ndarray) -> np.ndarray:
        """``(N,)`` the light surfaces of ``normals`` (N, 3) at ``points`` (N, 3) receive, 0..1."""
        head = self.head * np.maximum(0.0, normals @ self.back)
        lit = np.maximum(0.0, (self.towards(points) * normals[:, None]).sum(axis=2)) @ self.diffuse
        return np.minimum(1.0, self.ambient + head + lit)

    def best(self, normal, view, axis, weight, points) -> np.ndarray:
        """``(N, 3)``: the visible normal (across the axis, as much as the side is seen) halfway
        between the front one and the one the lights, headlight included, shine on most."""
        pull = self.head * self.back + (self.towards(points) * self.diffuse[None, :, None]).sum(axis=1)
        pull = pull - (weight * (pull * axis).sum(axis=1))[:, None] * axis
        behind = (pull * view).sum(axis=1) < 0  # lit from behind: the band stays on the front
        pull = np.where(behind[:, None], pull - (pull * view).sum(axis=1, keepdims=True) * view, pull)
        return _units(_units(pull, normal) + normal, normal)


def _units(vectors: np.ndarray, fallback: np.ndarray | None = None) -> np.ndarray:
    """``(..., 3)`` each vector scaled to length 1 (``fallback``'s where it is ~0, else left)."""
    n = np.linalg.norm(vectors, axis=-1, keepdims=True)
    out = vectors / np.maximum(n, 1e-12)
    return out if fallback is None else np.where(n > 1e-9, out, fallback)


def _band(uv: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """``(N, 4, 2)``: the quad between the circles of ``radius`` (N, 2) at ``uv`` (N, 2, 2), in pixels."""
    along = uv[:, 1] - uv[:, 0]  # (N, 2)
    across = np.stack([-along[:, 1], along[:, 0]], axis=1) / np.maximum(np.linalg.norm(along, axis=1), 1e-9)[:, None]
    side = radius[..., None] * across[:, None]  # (N, 2, 2): each end's half-width, across the band
    return np.concatenate([uv + side, (uv - side)[:, ::-1]], axis=1)


def _colours(rgb: np.ndarray, tone: np.ndarray) -> list[tuple[int, int, int]]:
    """``(N, 3)`` rgb 0..1 lit by ``tone`` (N,) -> cv2 colours 0..255."""
    c = np.round(np.clip(rgb * np.asarray(tone).reshape(-1, 1), 0.0, 1.0) * 255.0).astype(int)
    return [tuple(row) for row in c.tolist()]


def _rgba(model: mujoco.MjModel) -> np.ndarray:
    """``(ngeom, 4)`` each geom's colour as MuJoCo shows it: its material's unless its own rgba was set."""
    rgba = model.geom_rgba.copy()
    default = np.array([0.5, 0.5, 0.5, 1.0], np.float32)
    has = (model.geom_matid >= 0) & np.all(np.isclose(model.geom_rgba, default), axis=1)
    rgba[has] = model.mat_rgba[model.geom_matid[has]]
    return rgba


def _floor_colours(model: mujoco.MjModel, geom: int) -> tuple[np.ndarray, np.ndarray | None]:
    """A plane's two checker colours (rgb 0..1) read off its material's texture (its cells at
    a quarter and three quarters across), or its one colour and ``None``."""
    rgb = _rgba(model)[geom, :3].astype(np.float64)
    material = model.geom_matid[geom]
    if material < 0:
        return rgb, None
    texids = np.atleast_1d(model.mat_texid[material])
    texture = int(texids[mujoco.mjtTextureRole.mjTEXROLE_RGB] if len(texids) > 1 else texids[0])
    if texture < 0 or model.tex_nchannel[texture] < 3:
        return rgb, None
    w, h, c = int(model.tex_width[texture]), int(model.tex_height[texture]), int(model.tex_nchannel[texture])
    bitmap = model.tex_data[model.tex_adr[texture] : model.tex_adr[texture] + w * h * c].reshape(h, w, c)
    one = bitmap[h // 4, w // 4, :3] / 255.0
    two = bitmap[h // 4, 3 * w // 4, :3] / 255.0
    return (rgb * one, None) if np.allclose(one, two) else (rgb * one, rgb * two)


def _clip_near(local: np.ndarray, znear: float) -> np.ndarray:
    """``(k, 3)`` camera-frame polygon cut to the part at least ``znear`` in front (Sutherland-Hodgman)."""
    out = []
    depth = -local[:, 2] - znear
    for k in range(len(local)):
        a, b = local[k], local[(k + 1) % len(local)]
        da, db = depth[k], depth[(k + 1) % len(local)]
        if da >= 0:
            out.append(a)
        if (da >= 0) != (db >= 0):
            out.append(a + (b - a) * (da / (da - db)))
    return np.array(out).reshape(-1, 3)
