"""2-D effects, for virtuals laid out as a matrix of `rows` rows."""

import numpy as np

from effects.base import Effect, register
from effects.colors import hsv_to_rgb, sample_gradient, to_pixels
from ledfxsite.colors import parse_color, parse_gradient
from ledfxsite.schema import Field

TEST_CORNERS = {(0, 0): (255, 0, 0), (0, -1): (0, 255, 0), (-1, 0): (0, 0, 255), (-1, -1): (255, 255, 255)}


class MatrixEffect(Effect):
    category = "2D"

    def setup(self):
        self.y, self.x = self.grid


def smoothstep(f):
    return f * f * (3.0 - 2.0 * f)


class ValueNoise:
    """Seeded 3-D value noise in 0..1: random values on an integer lattice, smoothly
    interpolated; `over(x, y)` evaluates it on a fixed grid of x and y at any z."""

    def __init__(self, random):
        self.permutation = np.concatenate([random.permutation(256)] * 2)
        self.values = random.random(256)

    def over(self, x, y):
        return GridNoise(self, x, y)


class GridNoise:
    """ValueNoise on fixed arrays x, y. What depends on x and y alone (lattice cells,
    hashes, weights) is computed once, and the noise at each integer z once, when z first
    needs it (z moves slowly: at speed 1 a new plane a second). A frame then only blends
    the two planes around z: the same values, bit for bit, as interpolating all eight
    lattice corners every frame, at a fifth of the cost."""

    def __init__(self, noise, x, y):
        self.noise = noise
        p = noise.permutation
        ix, iy = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
        self.u, self.v = smoothstep(x - ix), smoothstep(y - iy)
        # the lattice hash of each cell corner, all but its z step: p[p[ix] + iy]
        self.hashes = [p[p[(ix + dx) & 255] + ((iy + dy) & 255)] for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1))]
        self.planes = {}

    def plane(self, iz):
        """The noise at integer z = iz, interpolated in x and y."""
        if iz not in self.planes:
            if len(self.planes) >= 2:
                self.planes = {key: plane for key, plane in self.planes.items() if key in (iz - 1, iz + 1)}
            p, values, u, v = self.noise.permutation, self.noise.values, self.u, self.v
            h00, h10, h01, h11 = (values[p[hashes + (iz & 255)]] for hashes in self.hashes)
            self.planes[iz] = h00 * (1 - u) * (1 - v) + h10 * u * (1 - v) + h01 * (1 - u) * v + h11 * u * v
        return self.planes[iz]

    def __call__(self, z):
        iz = int(np.floor(z))
        w = smoothstep(z - iz)
        return 0.0 + self.plane(iz) * (1.0 - w) + self.plane(iz + 1) * w


@register
class Noise2d(MatrixEffect):
    id = "noise2d"
    name = "Noise"
    options = (
        Field("speed", "float", 1.0, "How fast the noise drifts", 0.0, 10.0),
        Field("zoom", "float", 4.0, "Noise cells across the matrix", 0.5, 32.0),
        Field("gradient", "gradient", "linear-gradient(90deg, #000080 0%, #00c0ff 40%, #ff00ff 70%, #ffff00 100%)", "Palette"),
        Field("test", "bool", False, "Draw a test pattern (corners, border) and send general_diag with live values"),
    )

    def setup(self):
        super().setup()
        noise = ValueNoise(self.random)
        self.stops = parse_gradient(self.config["gradient"])
        scale = self.config["zoom"] / max(self.rows, self.columns)
        x, y = self.x * scale, self.y * scale
        # two octaves: broad shapes plus finer detail
        self.broad, self.fine = noise.over(x, y), noise.over(x * 2 + 17.0, y * 2)
        self.live = None

    def render(self, t):
        z = t * self.config["speed"]
        field = 0.7 * self.broad(z) + 0.3 * self.fine(z * 1.5)
        rgb = sample_gradient(*self.stops, np.clip(field, 0.0, 0.999))
        if self.config["test"]:
            self.live = (t, z, float(field.min()), float(field.mean()), float(field.max()))
            rgb[0, :] = rgb[-1, :] = rgb[:, 0] = rgb[:, -1] = 64.0
            for (row, column), color in TEST_CORNERS.items():
                rgb[row, column] = color
        return to_pixels(rgb)

    def diagnostics(self):
        if not self.config["test"] or self.live is None:
            return None
        t, z, low, mean, high = self.live
        return (
            f"Noise2d: {self.columns}x{self.rows}\n"
            f"time    {t:9.2f} s\n"
            f"z       {z:9.3f}\n"
            f"speed   {self.config['speed']:9.2f}\n"
            f"zoom    {self.config['zoom']:9.2f}\n"
            f"field   min {low:.3f} mean {mean:.3f} max {high:.3f}"
        )


@register
class Plasma2d(MatrixEffect):
    id = "plasma2d"
    name = "Plasma2d"  # LedFx's name
    options = (
        Field("speed", "float", 1.0, "How fast the plasma moves", 0.0, 10.0),
        Field("frequency", "float", 1.0, "Waves across the matrix", 0.1, 10.0),
        Field("saturation", "float", 1.0, "Colour saturation", 0.0, 1.0),
    )

    def setup(self):
        super().setup()
        scale = 2 * np.pi * self.config["frequency"] / max(self.rows, self.columns)
        self.u, self.v = self.x * scale, self.y * scale
        self.centre_u, self.centre_v = self.u.mean(), self.v.mean()

    def render(self, t):
        s = t * self.config["speed"]
        radius = np.hypot(self.u - self.centre_u - np.sin(s / 3), self.v - self.centre_v - np.cos(s / 2))
        field = np.sin(self.u + s) + np.sin(self.v * 0.8 + s * 0.7) + np.sin((self.u + self.v) * 0.5 + s * 1.3) + np.sin(radius + s)
        return to_pixels(hsv_to_rgb(field / 8.0 + s * 0.05, self.config["saturation"], 1.0))


@register
class GameOfLife(MatrixEffect):
    id = "game_of_life"
    name = "Game of Life"
    options = (
        Field("speed", "float", 10.0, "Generations per second", 0.5, 60.0),
        Field("color", "color", "#00ff80", "Colour of live cells"),
        Field("density", "float", 0.3, "Share of live cells when (re)seeded", 0.05, 0.9),
    )

    def setup(self):
        super().setup()
        self.color = np.array(parse_color(self.config["color"]), dtype=np.float64)
        self.seed_cells()
        self.owed = 0.0
        self.seen = set()

    def seed_cells(self):
        self.cells = self.random.random((self.rows, self.columns)) < self.config["density"]

    def step(self):
        neighbours = sum(
            np.roll(np.roll(self.cells, dy, axis=0), dx, axis=1)
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            if (dy, dx) != (0, 0)
        )
        self.cells = (neighbours == 3) | (self.cells & (neighbours == 2))
        # A dead or repeating board (still lifes, blinkers) is reseeded.
        signature = hash(self.cells.tobytes())
        if not self.cells.any() or signature in self.seen:
            self.seen.clear()
            self.seed_cells()
        self.seen.add(signature)
        if len(self.seen) > 64:
            self.seen.clear()

    def render(self, t):
        for _ in range(self.steps_due(t, self.config["speed"], most=4)):
            self.step()
        return to_pixels(self.cells[..., None] * self.color)


@register
class DigitalRain2d(MatrixEffect):
    id = "digitalrain2d"
    name = "Digital Rain"
    options = (
        Field("speed", "float", 15.0, "Rows fallen per second", 1.0, 120.0),
        Field("tail", "int", 8, "Length of a drop's tail, in rows", 1, 64),
        Field("color", "color", "#00ff41", "Colour of the tails"),
    )

    def setup(self):
        super().setup()
        self.color = np.array(parse_color(self.config["color"]), dtype=np.float64)
        self.heads = -self.random.random(self.columns) * self.rows
        self.speeds = self.random.uniform(0.5, 1.5, self.columns) * self.config["speed"]

    def render(self, t):
        self.heads += self.speeds * self.elapsed(t)
        tail = self.config["tail"]
        finished = self.heads - tail > self.rows
        self.heads[finished] = -self.random.random(np.count_nonzero(finished)) * self.rows
        self.speeds[finished] = self.random.uniform(0.5, 1.5, np.count_nonzero(finished)) * self.config["speed"]
        behind = self.heads[None, :] - self.y  # rows behind each column's head
        level = np.where((behind >= 0) & (behind < tail), 1.0 - behind / tail, 0.0)[..., None]
        head = ((behind >= 0) & (behind < 1))[..., None]
        return to_pixels(np.where(head, 255.0, level * self.color))
