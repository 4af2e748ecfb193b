"""The run history as tables: one row per run, config differences, curves as CSV (pure, pandas).

The tables' headings and words are in ``lang`` (catalogue ``train.history``); the CSV download keeps
English column names, the same in every language, for the programs that read it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from lstm_core.i18n import text
from ui.state import RunEntry


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


COLUMNS = ("run", "cell", "config", "seed", "epochs", "time", "best_val", "test", "ended", "source")


def history_table(entries: Sequence[RunEntry], lang: str = "en") -> pd.DataFrame:
    """One row per run: what it was (config), how it went (epochs, time), how good it is."""
    rows = []
    for e in entries:
        m, t, s = e.config.model, e.config.train, e.config.sequence
        ended = "stopped" if e.info.stopped_by_user else "early" if e.info.stopped_early else "all"
        values = (e.name, m.cell.upper(),
                  text(lang, "train.history.config", units=m.units, dim=m.embedding_dim, max_len=s.max_len,
                       vocab=s.max_vocab, lr=t.learning_rate, batch=t.batch_size),
                  t.seed, e.info.epochs_run, e.info.seconds, _pct(e.best_val_accuracy), _pct(e.test_accuracy),
                  text(lang, f"train.history.ended.{ended}"), _source(e.source, lang))
        rows.append({text(lang, f"train.history.column.{c}"): v for c, v in zip(COLUMNS, values)})
    return pd.DataFrame(rows)


def _source(source: str, lang: str) -> str:
    """Where a run came from ("trained", "uploaded", "default") in ``lang``."""
    return text(lang, f"train.history.source.{source}") if source in ("trained", "uploaded", "default") else source


def config_differences(entries: Sequence[RunEntry], lang: str = "en") -> pd.DataFrame:
    """The config fields on which the runs differ: one row per field, one column per run."""
    first = entries[0].config
    fields: dict[str, None] = {}
    for e in entries[1:]:
        fields.update(dict.fromkeys(first.diff(e.config)))
    dicts = [e.config.to_dict() for e in entries]
    data = {e.name: [_show(d[f.split(".")[0]][f.split(".")[1]]) for f in fields] for e, d in zip(entries, dicts)}
    return pd.DataFrame(data, index=pd.Index(list(fields), name=text(lang, "train.history.setting")))


def _show(value: Any) -> str:
    return "–" if value is None else str(value)


def curves_frame(entry: RunEntry) -> pd.DataFrame:
    """Per-batch and per-epoch curves in one long table: ``level`` is "batch" or "epoch"."""
    b, h = entry.batches, entry.history
    batches = pd.DataFrame({"level": "batch", "epoch": [int(v) + 1 for v in b.get("epoch", [])],
                            "step": [int(v) + 1 for v in b.get("step", [])],
                            "loss": b.get("loss", []), "accuracy": b.get("accuracy", [])})
    n = len(h.get("loss", []))
    per_epoch = entry.batches_per_epoch
    epochs = pd.DataFrame({"level": "epoch", "epoch": range(1, n + 1),
                           "step": [e * per_epoch if per_epoch else math.nan for e in range(1, n + 1)],
                           **{k: list(h.get(k, []))[:n] + [math.nan] * (n - len(h.get(k, [])))
                              for k in ("loss", "accuracy", "val_loss", "val_accuracy")}})
    return pd.concat([batches, epochs], ignore_index=True)


def curves_csv(entry: RunEntry) -> str:
    return curves_frame(entry).to_csv(index=False)
