"""Transitions between effects (effects.transitions), LedFx's modes, on frames worked out
by hand: the old frame all red, the new all blue, on 4 pixels."""

import numpy as np
import pytest

from effects.transitions import Transition

OLD = np.array([[200, 0, 0]] * 4, dtype=np.uint8)
NEW = np.array([[0, 0, 100]] * 4, dtype=np.uint8)


def blended(mode, done, old=OLD, new=NEW):
    return Transition(old_effect=None, mode=mode, seconds=1.0, started=0.0, pixel_count=len(old)).blend(new, old, done)


def which(frame):
    """Per pixel: "o" still old, "n" new."""
    return "".join("o" if pixel[0] else "n" for pixel in frame)


def test_add_crossfades():
    assert blended("Add", 0.25).tolist() == [[150, 0, 25]] * 4


@pytest.mark.parametrize("done, expected", [(0.0, "oooo"), (0.5, "nnnn"), (1.0, "nnnn")])
def test_push_moves_the_old_frame_out_towards_the_start(done, expected):
    ramp = np.array([[10, 0, 0], [20, 0, 0], [30, 0, 0], [40, 0, 0]], dtype=np.uint8)
    frame = blended("Push", done, old=ramp)
    if done == 0.5:  # the old frame's last two pixels now at the start, the new one behind
        assert frame[:, 0].tolist() == [30, 40, 0, 0]
    else:
        assert which(frame) == expected


def test_slide_covers_the_old_frame_from_the_end():
    ramp = np.array([[10, 0, 0], [20, 0, 0], [30, 0, 0], [40, 0, 0]], dtype=np.uint8)
    assert blended("Slide", 0.5, old=ramp)[:, 0].tolist() == [10, 20, 0, 0]


def test_iris_opens_from_the_middle():
    assert which(blended("Iris", 0.0)) == "oooo"
    assert which(blended("Iris", 0.4)) == "onno"  # the middle pair is 1/3 of the way out
    assert which(blended("Iris", 1.0)) == "nnnn"


def test_dissolve_turns_pixels_over_one_by_one():
    turned = [which(blended("Dissolve", done)).count("n") for done in (0.0, 0.3, 0.55, 0.8, 1.0)]
    assert turned == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("mode, done, expected", [
    ("Through Black", 0.25, [127, 0, 0]),  # the old red held under a falling ceiling: 255 x 0.5
    ("Through Black", 0.75, [0, 0, 100]),  # the new blue under a rising one: 127.5
    ("Through White", 0.25, [200, 127, 127]),  # the old red raised towards white: 127.5
    ("Through White", 0.75, [127, 127, 127]),  # white fading down to the new blue
])
def test_through_black_and_white(mode, done, expected):
    assert blended(mode, done)[0].tolist() == expected


def test_none_cuts():
    assert blended("None", 0.1).tolist() == NEW.tolist()


def test_a_transition_is_done_after_its_seconds():
    transition = Transition(old_effect=None, mode="Add", seconds=0.4, started=10.0, pixel_count=4)
    assert (transition.done(10.0), transition.done(10.2), transition.done(10.5)) == (0.0, pytest.approx(0.5), 1.0)
