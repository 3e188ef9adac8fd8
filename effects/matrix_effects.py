"""2-D effects, for virtuals laid out as a matrix of `rows` rows, with LedFx's names,
options, defaults and ranges. Like LedFx's they listen to audio (or run from time on the
synthetic signal when no input is selected, effects.audio_effects).

Every 2-D effect takes LedFx's matrix options, applied by MatrixEffect for all of them:
`rotate` quarter turns (the effect's plus the virtual's), `flip_horizontal`,
`flip_vertical`, a `test` pattern, `dump` and `background_mode`. An effect draws an
image of `draw_shape`, the matrix turned back by the rotation, as LedFx draws its
image before transposing it."""

import logging

import numpy as np

from effects.audio_effects import FREQUENCY_RANGE, AudioEffect, Impulse, gradient_options, power_of
from effects.base import gaussian_kernel, register
from effects.colors import sample_gradient, to_pixels
from ledfxsite.schema import Field

logger = logging.getLogger(__name__)

MATRIX_OPTIONS = (
    Field("flip_horizontal", "bool", False, "flip the image horizontally"),
    Field("flip_vertical", "bool", False, "flip the image vertically"),
    Field("rotate", "int", 0, "90 Degree rotations", 0, 3),
    Field("test", "bool", False, "Draw a test pattern over the effect: a white border and lines from the corners to the centre"),
    Field("dump", "bool", False, "Log the image's size, rotation and flips when switched"),
    Field(
        "background_mode",
        "choice",
        "additive",
        "additive: the background colour is added to every pixel; overwrite: it shows where the effect draws nothing",
        choices=("additive", "overwrite"),
    ),
)
NOISE_IMPULSE_DECAY = Field("impulse_decay", "float", 0.06, "Decay filter applied to the impulse for development", 0.01, 0.3)
# The test pattern's lines from each corner to the centre, as LedFx draws them.
TEST_LINE_COLORS = {(0, 0): (255, 0, 0), (0, -1): (0, 0, 255), (-1, 0): (0, 255, 0), (-1, -1): (255, 255, 255)}


def draw_test_pattern(image):
    """LedFx's matrix test pattern, over an image (rows, columns, 3): a white border and a
    line from each corner to the centre (top left red, top right blue, bottom left green,
    bottom right white)."""
    rows, columns = image.shape[:2]
    image[0, :] = image[-1, :] = image[:, 0] = image[:, -1] = 255.0
    centre = ((rows - 1) / 2, (columns - 1) / 2)
    for (row, column), color in TEST_LINE_COLORS.items():
        start = (row % rows, column % columns)
        steps = int(max(abs(centre[0] - start[0]), abs(centre[1] - start[1]))) + 1
        line_rows = np.rint(np.linspace(start[0], centre[0], steps)).astype(int)
        line_columns = np.rint(np.linspace(start[1], centre[1], steps)).astype(int)
        image[line_rows, line_columns] = color
    return image


class MatrixEffect(AudioEffect):
    category = "2D"
    options = MATRIX_OPTIONS

    def setup(self):
        super().setup()
        self.turns = (self.config["rotate"] + self.virtual_rotate) % 4
        # the image is drawn turned back by the rotation: a quarter turn swaps its sides
        self.draw_shape = (self.columns, self.rows) if self.turns % 2 else (self.rows, self.columns)
        self.y, self.x = np.mgrid[0 : self.draw_shape[0], 0 : self.draw_shape[1]].astype(np.float64)  # of the drawn image
        # flips name the directions of the finished matrix; drawn turned, they swap
        self.flip_rows, self.flip_columns = self.config["flip_vertical"], self.config["flip_horizontal"]
        if self.turns % 2:
            self.flip_rows, self.flip_columns = self.flip_columns, self.flip_rows

    def update(self, config):
        dumped = self.config["dump"]
        super().update(config)
        if self.config["dump"] != dumped:
            logger.info("dump %dx%d rotate %d flip_vertical %s flip_horizontal %s", self.columns, self.rows, self.turns, self.flip_rows, self.flip_columns)

    def draw(self, t):
        """The effect's image at time t: float RGB (*draw_shape, 3), 0..255."""
        raise NotImplementedError

    def render(self, t):
        image = self.draw(t)
        if self.config["test"]:
            image = draw_test_pattern(image)
        if self.flip_rows:
            image = image[::-1]
        if self.flip_columns:
            image = image[:, ::-1]
        return to_pixels(np.rot90(image, self.turns))


class ValueNoise:
    """Seeded 3-D value noise in 0..1: random values on an integer lattice, smoothly
    interpolated between its eight nearest points; x, y and z broadcast together."""

    def __init__(self, random):
        self.permutation = np.concatenate([random.permutation(256)] * 2)
        self.values = random.random(256)

    def __call__(self, x, y, z):
        p = self.permutation
        ix, iy, iz = (np.floor(a).astype(np.int64) for a in (x, y, z))
        u, v, w = (smoothstep(a - i) for a, i in ((x, ix), (y, iy), (z, iz)))
        # the eight corners in one go, indexed [dz, dy, dx, ...]: the hash p[p[p[x] + y] + z]
        hashed_x = p[(ix + STEP.reshape(2, 1, 1)) & 255]
        hashed_xy = p[hashed_x + ((iy + STEP.reshape(2, 1, 1, 1)) & 255)]
        corners = self.values[p[hashed_xy + ((iz + STEP.reshape(2, 1, 1, 1, 1)) & 255)]]
        along_x = corners[:, :, 0] + (corners[:, :, 1] - corners[:, :, 0]) * u
        along_y = along_x[:, 0] + (along_x[:, 1] - along_x[:, 0]) * v
        return (along_y[0] + (along_y[1] - along_y[0]) * w).reshape(np.broadcast(x, y, z).shape)


STEP = np.array([0, 1])  # a lattice step along one axis


def smoothstep(f):
    return f * f * (3.0 - 2.0 * f)


@register
class Noise2d(MatrixEffect):
    """LedFx's noise: a field of smooth noise drifting through space at 0.5 x speed noise
    units a second, `zoom` units across the matrix (0.6 lattice cells a unit), coloured
    along the gradient. Bass (lows_power x multiplier, falling at impulse_decay) zooms
    out; stretch widens the contrast."""

    id = "noise2d"
    name = "Noise"
    options = (
        *MATRIX_OPTIONS,
        *gradient_options(),
        Field("speed", "float", 1.0, "Speed of the effect", 0.0, 5.0),
        Field("intensity", "int", 128, "Intensity of the effect (LedFx's; it has no effect there either)", 0, 255),
        Field("stretch", "float", 1.5, "Stretch of the effect", 0.5, 1.5),
        Field("zoom", "float", 2.0, "Zoom density", 0.5, 20.0),
        NOISE_IMPULSE_DECAY,
        Field("multiplier", "float", 2.0, "Audio multiplier", 0.0, 4.0),
    )
    CELLS_PER_UNIT = 0.6
    OCTAVES = 1  # more: finer noise added, each an octave up at half the weight

    def setup(self):
        super().setup()
        self.noise = ValueNoise(self.random)
        self.origin = self.random.random(3) * 256.0
        self.impulse = Impulse(self.config["impulse_decay"])
        self.live = None

    def draw(self, t):
        lows = self.impulse.update(self.features(t)["lows_power"] * self.config["multiplier"])
        rows, columns = self.draw_shape
        scale = self.config["zoom"] * (1.0 + lows) * self.CELLS_PER_UNIT / max(rows, columns)
        drift = 0.5 * self.config["speed"] * t * self.CELLS_PER_UNIT
        # a column of y and a row of x: what depends on one axis is computed once for it
        x, y = np.arange(columns, dtype=np.float64)[None, :], np.arange(rows, dtype=np.float64)[:, None]
        field, total = 0.0, 0.0
        for octave in range(self.OCTAVES):
            weight, step = 0.5**octave, 2.0**octave
            field = field + weight * self.noise(
                (self.origin[0] + drift + (x - columns / 2) * scale) * step + 17.0 * octave,
                (self.origin[1] + (drift if rows > 1 else 0.0) + (y - rows / 2) * scale) * step,
                np.array((self.origin[2] + drift) * step),
            )
            total += weight
        field = field / total
        level = ((field * 2.0 - 1.0) * self.config["stretch"] + 1.0) / 2.0
        if self.config["test"]:
            self.live = (t, lows, float(field.min()), float(field.mean()), float(field.max()))
        return self.gradient_at(level, t)

    def diagnostics(self):
        if not self.config["test"] or self.live is None:
            return None
        t, lows, low, mean, high = self.live
        return (
            f"Noise2d: {self.columns}x{self.rows}\n"
            f"lows_impulse: {lows:.2f}\n"
            f"time    {t:9.2f} s\n"
            f"field   min {low:.3f} mean {mean:.3f} max {high:.3f}"
        )


@register
class Plasma2d(MatrixEffect):
    """LedFx's plasma: three interfering waves over the matrix, `density_vertical` and
    `twist` shaping the diagonal one and `radius` the circular one, normalised to the
    gradient; the audio power of `frequency_range` stretches it (lower + power x density
    of the matrix's extent is drawn)."""

    id = "plasma2d"
    name = "Plasma2d"
    options = (
        *MATRIX_OPTIONS,
        *gradient_options(),
        FREQUENCY_RANGE,
        Field("density_vertical", "float", 0.1, "Density of the vertical waves", 0.01, 0.3),
        Field("twist", "float", 0.07, "Twist of the diagonal waves", 0.01, 0.3),
        Field("radius", "float", 0.2, "Radius of the circular waves", 0.01, 1.0),
        Field("density", "float", 0.5, "How much the audio stretches the plasma", 0.001, 2.0),
        Field("lower", "float", 0.01, "The plasma's extent without audio", 0.01, 1.0),
    )

    def draw(self, t):
        power = power_of(self.features(t), self.config["frequency_range"])
        scale = min(1.0, self.config["lower"] + power * self.config["density"])
        rows, columns = self.draw_shape
        x, y = self.x * scale, self.y * scale
        field = (
            np.sin(x * 0.1 + t) * np.cos(y * 0.1 - t)
            + np.sin((x * self.config["density_vertical"] + y * self.config["twist"] + t) * 2.5)
            + np.sin(np.hypot(x, y) * self.config["radius"] - t)
        )
        spread = field.max() - field.min()
        level = (field - field.min()) / spread if spread > 0 else np.zeros_like(field)
        return self.gradient_at(level, t)


# Colours by how many of the last HISTORY generations a cell has been alive (a live cell)
# or dead (a dead one): new life green, long life white to grey, the recently dead red
# fading; the long dead are not drawn, so the background shows.
HISTORY = 5
LIVE_COLORS = np.array([[0, 180, 0], [0, 255, 0], [255, 255, 255], [200, 200, 200], [150, 150, 150], [100, 100, 100]], dtype=np.float64)
DEAD_COLORS = np.array([[180, 0, 0], [120, 0, 0], [60, 0, 0], [30, 0, 0], [15, 0, 0]], dtype=np.float64)
# Shapes dropped on the board on a beat: glider, blinker, toad, beacon.
ENTITIES = (
    np.array([[0, 0, 1], [1, 0, 1], [0, 1, 1]], dtype=bool),
    np.array([[1, 1, 1]], dtype=bool),
    np.array([[0, 1, 1, 1], [1, 1, 1, 0]], dtype=bool),
    np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]], dtype=bool),
)
HEALTH_CHECKS = {"All": ("dead", "oscillating"), "Dead": ("dead",), "Oscillating": ("oscillating",), "None": ()}


@register
class GameOfLife(MatrixEffect):
    """LedFx's Game of Life on a wrapping board: a generation every 1 / (impulse x
    base_game_speed) seconds, the impulse being the power of `frequency_range` (falling at
    impulse_decay; at its lowest, 0.01, full speed always). A beat drops a glider,
    blinker, toad or beacon (beat_inject; boards of more than 4 x 4). Every
    health_check_interval seconds a dead board, or one repeating within the last
    generations, is seeded anew."""

    id = "game_of_life"
    name = "Game of Life"
    options = (
        *MATRIX_OPTIONS,
        Field("health_checks", "choice", "All", "Which board health checks to perform", choices=tuple(HEALTH_CHECKS)),
        Field("base_game_speed", "int", 30, "Base number of generations per second", 1, 60),
        Field("health_check_interval", "int", 5, "Seconds between board health checks", 1, 30),
        FREQUENCY_RANGE,
        Field("beat_inject", "bool", True, "Inject an entity on the beat"),
        Field("impulse_decay", "float", 0.05, "Decay of the audio impulse", 0.01, 0.1),
    )

    def setup(self):
        super().setup()
        self.impulse = Impulse(self.config["impulse_decay"])
        self.seed_board()
        self.last_step = self.last_check = None

    def seed_board(self):
        self.board = self.random.random(self.draw_shape) < 0.5
        self.history = [np.zeros(self.draw_shape, dtype=bool) for _ in range(HISTORY)]

    def step(self):
        self.history = [*self.history[1:], self.board]
        neighbours = sum(np.roll(self.board, (dy, dx), axis=(0, 1)) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0))
        self.board = (neighbours == 3) | (self.board & (neighbours == 2))

    def unhealthy(self):
        checks = HEALTH_CHECKS[self.config["health_checks"]]
        if "dead" in checks and np.array_equal(self.history[-1], self.board):
            return True
        return "oscillating" in checks and any(np.array_equal(board, self.board) for board in self.history[:-1])

    def inject(self):
        entity = ENTITIES[self.random.integers(len(ENTITIES))]
        rows, columns = self.draw_shape
        top = self.random.integers(rows - entity.shape[0] + 1)
        left = self.random.integers(columns - entity.shape[1] + 1)
        self.board[top : top + entity.shape[0], left : left + entity.shape[1]] = entity

    def draw(self, t):
        features = self.features(t)
        if self.config["impulse_decay"] <= 0.01:
            impulse = 1.0
        else:
            impulse = self.impulse.update(power_of(features, self.config["frequency_range"]))
        rows, columns = self.draw_shape
        if self.config["beat_inject"] and features["beat"] and rows > 4 and columns > 4:
            self.inject()
        if self.last_check is None:
            self.last_step = self.last_check = t
        if t - self.last_check >= self.config["health_check_interval"]:
            self.last_check = t
            if self.unhealthy():
                self.seed_board()
        if impulse > 0 and t - self.last_step >= 1.0 / (impulse * self.config["base_game_speed"]):
            self.step()
            self.last_step = t
        alive_for = np.sum(self.history, axis=0)
        image = np.zeros((*self.draw_shape, 3))
        image[self.board] = LIVE_COLORS[alive_for[self.board]]
        dead_for = HISTORY - alive_for
        recently_dead = ~self.board & (dead_for < len(DEAD_COLORS))
        image[recently_dead] = DEAD_COLORS[dead_for[recently_dead]]
        return image


@register
class DigitalRain2d(MatrixEffect):
    """LedFx's digital rain: lines fall down the matrix, each in `run_seconds` at its own
    pace (0.1 to 1), sped up by the lows, mids or highs (x multiplier, falling at
    impulse_decay); up to count x columns of them, added add_speed a second. A line's
    colour is from the gradient, its tail `tail` % of the height in tail_segments steps
    fading out, its head white, pulsing with the beat."""

    id = "digitalrain2d"
    name = "Digital Rain"
    options = (
        *MATRIX_OPTIONS,
        *gradient_options("linear-gradient(90deg, rgb(0, 199, 140) 0%, rgb(0, 255, 50) 100%)"),
        Field("count", "float", 1.9, "Number of code lines in the matrix as a multiplier of matrix pixel width", 0.01, 4.0),
        Field("add_speed", "float", 30.0, "Number of code lines to add per second", 0.1, 30.0),
        Field("width", "int", 1, "Width of code lines as % of matrix", 1, 30),
        Field("run_seconds", "float", 2.0, "Minimum number of seconds for a code line to run from top to bottom", 1.0, 10.0),
        Field("tail", "int", 67, "Code line tail length as a % of the matrix", 1, 100),
        Field("tail_segments", "int", 10, "Number of segments in the tail", 2, 30),
        Field("impulse_decay", "float", 0.01, "Decay filter applied to the impulse for development", 0.01, 0.3),
        Field("multiplier", "float", 10.0, "Audio multiplier", 0.0, 10.0),
    )

    def setup(self):
        super().setup()
        rows, columns = self.draw_shape
        self.most = max(1, int(self.config["count"] * columns))
        self.line_width = max(1, int(columns * self.config["width"] / 100.0))
        self.impulses = [Impulse(self.config["impulse_decay"]) for _ in range(3)]
        self.owed_lines = 0.0
        # per line: column, position (0 top .. 1 + tail), pace, band (0 lows, 1 mids, 2 highs), colour
        self.columns_at = np.zeros(0, dtype=np.int64)
        self.positions = np.zeros(0)
        self.paces = np.zeros(0)
        self.bands = np.zeros(0, dtype=np.int64)
        self.colors = np.zeros((0, 3))
        self.offsets = np.zeros(0)

    def add_lines(self, count):
        count = min(count, self.most - self.positions.size)
        if count <= 0:
            return
        rows, columns = self.draw_shape
        chance = self.random.random(count)
        self.columns_at = np.concatenate((self.columns_at, self.random.integers(0, columns, count)))
        self.positions = np.concatenate((self.positions, np.zeros(count)))
        self.paces = np.concatenate((self.paces, 0.1 + chance * 0.9))
        self.bands = np.concatenate((self.bands, (chance * 3).astype(np.int64)))
        self.colors = np.concatenate((self.colors, sample_gradient(*self.gradient_stops, chance)))
        self.offsets = np.concatenate((self.offsets, chance))

    def draw(self, t):
        features = self.features(t)
        passed = self.elapsed(t)
        impulses = np.array(
            [impulse.update(features[band] * self.config["multiplier"]) for impulse, band in zip(self.impulses, ("lows_power", "mids_power", "high_power"))]
        )
        self.owed_lines += passed * self.config["add_speed"]
        self.add_lines(int(self.owed_lines))
        self.owed_lines -= int(self.owed_lines)
        tail = self.config["tail"] / 100.0
        self.positions += passed / self.config["run_seconds"] * (1.0 + impulses[self.bands]) * self.paces
        running = self.positions <= 1.0 + tail
        self.columns_at, self.positions, self.paces = self.columns_at[running], self.positions[running], self.paces[running]
        self.bands, self.colors, self.offsets = self.bands[running], self.colors[running], self.offsets[running]
        rows, columns = self.draw_shape
        image = np.zeros((rows, columns, 3))
        segments = self.config["tail_segments"]
        tail_rows = max(0.0, rows * tail - self.line_width)
        row_index = np.arange(rows)
        for column, position, color, offset in zip(self.columns_at, self.positions, self.colors, self.offsets):
            head = int(position * rows)
            behind = head - (self.line_width - 1) - row_index  # rows above the head's top, 0 at it
            if tail_rows > 0:
                step = np.floor(behind / (tail_rows / segments))
                fade = np.where((behind > 0) & (step < segments), 1.0 - step / (segments - 1), 0.0)
                lit = fade > 0
                span = slice(column, min(columns, column + self.line_width))
                image[lit, span] = np.maximum(image[lit, span], (color * fade[lit, None])[:, None, :])
            head_rows = (row_index <= head) & (row_index > head - self.line_width)
            pulse = (features["beat_phase"] + offset) % 1.0
            image[head_rows, column : column + self.line_width] = 255.0 * (0.5 + pulse * 0.5)
        return image


@register
class Smoke2d(Noise2d):
    """LedFx's smoke: noise2d's drifting noise with four octaves of finer detail (as LedFx's
    fractal noise), `zoom` across, the lows zooming out, `stretch` for contrast."""

    id = "smoke2d"
    name = "Smoke"
    options = (
        *MATRIX_OPTIONS,
        *gradient_options(),
        Field("speed", "float", 1.0, "Speed of movement through noise space", 0.0, 5.0),
        Field("stretch", "float", 1.5, "Stretch of the noise before mapping to gradient (contrast-like)", 0.5, 3.0),
        Field("zoom", "float", 2.0, "Zoom density (higher = denser detail)", 0.1, 15.0),
        NOISE_IMPULSE_DECAY,
        Field("multiplier", "float", 2.0, "Audio injection multiplier, 0 is none", 0.0, 4.0),
    )
    OCTAVES = 4


@register
class Waterfall2d(MatrixEffect):
    """LedFx's waterfall: a spectrogram falling down the matrix. Each frame the top row (or,
    with `center`, the middle rows, the waterfall flowing up and down from them) shows
    `bands` bands of the melbank side by side, coloured along the gradient by their level
    (their loudest point with max_vs_mean, else their mean); the rows move on one at a
    time so that a row takes drop_secs from top to bottom (or middle to edge). fade_out
    darkens the rows as they fall."""

    id = "waterfall2d"
    name = "Waterfall"
    options = (
        *MATRIX_OPTIONS,
        *gradient_options(),
        Field("center", "bool", False, "Center the waterfall"),
        Field("max_vs_mean", "bool", False, "Use max or mean value for bar size"),
        Field("bands", "int", 16, "Number of frequency bands", 1, 64),
        Field("drop_secs", "float", 3.0, "Seconds for the waterfall to drop from the top to bottom of the matrix", 0.1, 10.0),
        Field("fade_out", "float", 0.0, "Fade out the waterfall effect", 0.0, 1.0),
    )

    def setup(self):
        super().setup()
        rows, columns = self.draw_shape
        self.bands = min(self.config["bands"], columns)
        self.history = np.zeros((rows, columns, 3))
        self.middle = max(1, rows // 2)
        self.tick = self.config["drop_secs"] / rows * (2 if self.config["center"] else 1)
        self.owed_ticks = 0.0
        distance = np.abs(np.arange(rows) - self.middle) * 2 if self.config["center"] else np.arange(rows)
        self.fade = np.clip(1.0 - distance / self.middle * self.config["fade_out"], 0.0, 1.0)[:, None, None]
        self.band_of_column = np.minimum(np.arange(columns) * self.bands // columns, self.bands - 1)

    def move_on(self, ticks):
        rows = self.draw_shape[0]
        for _ in range(min(ticks, rows)):
            if not self.config["center"]:
                self.history[1:] = self.history[:-1].copy()
            else:
                self.history[self.middle + 1 :] = self.history[self.middle : -1].copy()
                self.history[: self.middle - 1] = self.history[1 : self.middle].copy()

    def draw(self, t):
        levels = np.clip(self.melbank_over(self.features(t), self.pixel_count), 0.0, 1.0)
        bands = np.array_split(levels, self.bands)
        volumes = np.array([band.max() if self.config["max_vs_mean"] else band.mean() for band in bands])
        self.owed_ticks += self.elapsed(t) / self.tick
        ticks = int(self.owed_ticks)
        self.owed_ticks -= ticks
        self.move_on(ticks)
        row = self.gradient_at(volumes, t)[self.band_of_column]
        if self.config["center"]:
            self.history[self.middle] = row
            if self.draw_shape[0] % 2 == 0:
                self.history[self.middle - 1] = row
        else:
            self.history[0] = row
        return self.history * self.fade


@register
class Concentric(MatrixEffect):
    """LedFx's concentric: rings of the gradient spreading from the centre (inwards with
    `invert`), a cycle of the gradient from the centre to the corners (gradient_scale: a
    ring that many times wider; stretch_height: ellipses), moving idle_speed cycles a
    second plus the power of `frequency_range` x power_multiplier x 12. center_smoothing
    blurs the centre's point."""

    id = "concentric"
    name = "Concentric"
    options = (
        *MATRIX_OPTIONS,
        *gradient_options(),
        Field("frequency_range", "choice", "Lows (beat+bass)", "Frequency range for beat detection", choices=FREQUENCY_RANGE.choices),
        Field("invert", "bool", False, "Invert propagation direction"),
        Field("power_multiplier", "float", 0.5, "Frequency range's power multiplier", 0.0, 1.0),
        Field("gradient_scale", "float", 1.0, "Scales the gradient", 0.1, 10.0),
        Field("stretch_height", "float", 1.0, "Stretches the gradient vertically", 0.1, 5.0),
        Field("center_smoothing", "float", 0.5, "Soften the center point", 0.0, 5.0),
        Field("idle_speed", "float", 1.0, "Idle motion speed", 0.0, 1.0),
    )

    def setup(self):
        super().setup()
        rows, columns = self.draw_shape
        y, x = self.y, self.x
        centre_x, centre_y = (columns - 1) / 2, (rows - 1) / 2
        scale, stretch = self.config["gradient_scale"], self.config["stretch_height"]
        distance = np.hypot((x - centre_x) / scale, (y - centre_y) / scale / stretch)
        if self.config["center_smoothing"] > 0:
            distance = blurred(distance, self.config["center_smoothing"])
        farthest = np.hypot(centre_x, centre_y / stretch)
        if farthest > 0:
            distance = distance / farthest
        self.distance = np.clip(distance, 0.0, 1.0) ** 0.9
        self.offset = 0.0

    def draw(self, t):
        power = power_of(self.features(t), self.config["frequency_range"]) * self.config["power_multiplier"] * 12.0
        self.offset = (self.offset + (power + self.config["idle_speed"]) * self.elapsed(t)) % 1.0
        shift = self.offset if self.config["invert"] else -self.offset
        return self.gradient_at((self.distance + shift) % 1.0, t)


def blurred(image, sigma):
    """A 2-D array blurred by a Gaussian of `sigma` pixels, rows then columns (edges kept by
    repeating them)."""
    for axis in (0, 1):
        if image.shape[axis] > 1:
            kernel = gaussian_kernel(sigma, 2 * image.shape[axis] - 1)
            radius = len(kernel) // 2
            padded = np.pad(image, [(radius, radius) if index == axis else (0, 0) for index in (0, 1)], mode="edge")
            image = np.apply_along_axis(lambda line: np.convolve(line, kernel, mode="valid"), axis, padded)
    return image


def sin8(angle):
    """WLED's sin8: a sine of period 255 in 0..255, of whole angles (wrapping at 256)."""
    return np.floor(127.5 + 127.5 * np.sin(2 * np.pi * np.mod(np.floor(angle), 256) / 255))


def cos8(angle):
    return np.floor(127.5 + 127.5 * np.cos(2 * np.pi * np.mod(np.floor(angle), 256) / 255))


@register
class PlasmaWled2d(MatrixEffect):
    """LedFx's port of WLED's "Hiphotic" plasma, coloured along the gradient: the level of
    a pixel is sin8(cos8(row x stretch_horizontal / 16 + a / 3) + sin8(column x
    stretch_vertical / 16 + a / 4) + 2a), a moving 1000 / (speed + 1) a second; with
    speed_multiplication above 0 it moves only as the power of `frequency_range` (x 2 x
    speed_multiplication) pushes it, so it stands still in silence, as LedFx's does. The
    power also shrinks the stretches (x size_multiplication / 3)."""

    id = "plasmawled"
    name = "PlasmaWled2d"
    options = (
        *MATRIX_OPTIONS,
        *gradient_options(),
        FREQUENCY_RANGE,
        Field("speed", "int", 128, "Speed multiplier", 0, 255),
        Field("stretch_horizontal", "int", 128, "Smaller is less block in horizontal dimension", 0, 255),
        Field("stretch_vertical", "int", 128, "Smaller is less block in vertical dimension", 0, 255),
        Field("size_multiplication", "float", 0.4, "Sound to size multiplier", 0.0, 1.0),
        Field("speed_multiplication", "float", 0.4, "Sound to speed multiplier", 0.0, 1.0),
    )
    PUSHES_PER_SECOND = 60.0  # LedFx pushes once a frame, at its 60 fps

    def setup(self):
        super().setup()
        self.pushed = 0.0

    def draw(self, t):
        power = power_of(self.features(t), self.config["frequency_range"]) * 2.0
        size = power * self.config["size_multiplication"]
        if self.config["speed_multiplication"] > 0:
            self.pushed += power * self.config["speed_multiplication"] * self.PUSHES_PER_SECOND * self.elapsed(t)
            milliseconds = self.pushed * 1000.0
        else:
            milliseconds = t * 1000.0
        a = milliseconds / (self.config["speed"] + 1)
        horizontal = max(0.01, self.config["stretch_horizontal"] * (1.0 - size / 3.0))
        vertical = max(0.01, self.config["stretch_vertical"] * (1.0 - size / 3.0))
        y, x = self.y, self.x
        level = sin8(cos8(y * horizontal / 16 + a / 3) + sin8(x * vertical / 16 + a / 4) + 2 * a) / 255.0
        return self.gradient_at(level, t)
