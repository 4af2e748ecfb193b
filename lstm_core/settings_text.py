"""The Train page's settings in one line, as the Why LSTM race and the Compare page quote them.

Each setting is a whole label of its own in the catalogue (``theory.settings.*``), so that a language
orders its words freely; only the list is joined here.
"""

from __future__ import annotations

from typing import Any

from .i18n import DEFAULT, text


def settings_list(cfg: Any, *, with_cell: bool = False, lang: str = DEFAULT) -> str:
    """"32 units, 64-d embedding, head on the mean of h, 200 tokens, learning rate 0.001, up to 4 epochs,
    seed 42" for an ``ExperimentConfig`` (``with_cell``: "LSTM with 32 units" first)."""
    m, t = cfg.model, cfg.train
    first = (text(lang, "theory.settings.cell_units", cell=m.cell.upper(), units=m.units) if with_cell
             else text(lang, "theory.settings.units", units=m.units))
    items = [first, text(lang, "theory.settings.embedding", dim=m.embedding_dim),
             text(lang, f"theory.settings.head_{m.pooling}"),
             text(lang, "theory.settings.tokens", tokens=cfg.sequence.max_len),
             text(lang, "theory.settings.learning_rate", lr=t.learning_rate),
             text(lang, "theory.settings.epochs", epochs=t.max_epochs),
             text(lang, "theory.settings.seed", seed=t.seed)]
    return text(lang, "theory.settings.separator").join(items)
