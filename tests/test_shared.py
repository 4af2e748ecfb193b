"""ui.shared: a shared figure is sent exactly as the figure it was made from; the digest that keys it
tells apart every difference a builder could draw and refuses what it cannot read."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from ui.shared import SharedFigure, digest, share


def heatmap() -> go.Figure:
    z = np.arange(12, dtype=np.float32).reshape(3, 4) / 11  # a typed array: base64 in to_dict()
    return go.Figure(go.Heatmap(z=z, x=["a", "b", "c", "d"]), layout=dict(height=320, title="units"))


def test_a_shared_figure_is_sent_exactly_as_its_original():
    def script():
        import streamlit as st

        from tests.test_shared import heatmap
        from ui.shared import share

        st.plotly_chart(heatmap(), key="plain")
        st.plotly_chart(share(heatmap()), key="shared")

    at = AppTest.from_function(script).run()
    assert not at.exception, at.exception
    plain, shared = at.get("plotly_chart")
    assert shared.proto.spec == plain.proto.spec and '"bdata"' in shared.proto.spec


def test_share_makes_the_dict_once_and_keeps_the_figure_readable():
    original = heatmap().to_dict()
    fig = share(heatmap())
    assert isinstance(fig, SharedFigure) and fig.to_dict() is fig.to_dict()
    assert fig.to_dict() == original
    assert fig.layout.height == 320 and fig.data[0].type == "heatmap"


def test_share_refuses_what_is_not_a_plain_figure():
    with pytest.raises(TypeError, match="share: figure must be a plotly go.Figure, got dict"):
        share({"data": []})


@pytest.mark.parametrize("a, b", [
    ([1, 2], (1, 2)),  # list or tuple
    ([1], [True]),  # int or bool
    ([1], [1.0]),
    (np.arange(3), np.arange(3.0)),  # dtype
    (np.zeros((2, 3)), np.zeros((3, 2))),  # shape
    ({"f": 1, "i": 2}, {"i": 2, "f": 1}),  # panel order
    (["ab", "c"], ["a", "bc"]),  # where strings end
    ([None], ["None"]),
    (np.float32(0.5), 0.25),
    ([0.1, 0.2], [0.1, 0.3]),  # a curve's floats (hashed at once)
    ([0.1, 0.2], (0.1, 0.2)),
    ([0.5, 1.0], [0.5, 1]),  # a curve, or floats and an int
])
def test_digest_tells_apart_what_a_builder_draws_differently(a, b):
    assert digest(a) != digest(b)


def test_digest_is_the_same_for_the_same_content():
    arrays = {"i": np.linspace(0, 1, 12).reshape(3, 4), "f": np.ones((3, 4), dtype=np.float32)}
    again = {k: v.copy() for k, v in arrays.items()}
    strided = np.linspace(0, 1, 24).reshape(3, 8)[:, ::2]  # not contiguous: its values are what counts
    assert digest((["a", "b"], arrays, {"title": "x"})) == digest((["a", "b"], again, {"title": "x"}))
    assert digest(strided) == digest(np.ascontiguousarray(strided))
    assert digest(float("nan")) == digest(np.float64("nan"))
    assert digest({"loss": (0.7, 0.6, float("nan"))}) == digest({"loss": (0.7, 0.6, float("nan"))})


@pytest.mark.parametrize("value, name", [(object(), "object"), ({1, 2}, "set"),
                                         (np.array([1, "a"], dtype=object), None)])
def test_digest_refuses_what_it_cannot_read(value, name):
    with pytest.raises(TypeError, match=f"cannot take a content digest of {name!r}" if name else "object array"):
        digest([value])
