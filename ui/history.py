"""The run history as tables: one row per run, config differences, curves as CSV (pure, pandas)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ui.state import RunEntry


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def history_table(entries: Sequence[RunEntry]) -> pd.DataFrame:
    """One row per run: what it was (config), how it went (epochs, time), how good it is."""
    rows = []
    for e in entries:
        m, t, s = e.config.model, e.config.train, e.config.sequence
        rows.append({
            "run": e.name,
            "cell": m.cell.upper(),
            "config": f"{m.units} units, emb {m.embedding_dim}, len {s.max_len}, vocab {s.max_vocab:,}, "
                      f"lr {t.learning_rate:g}, batch {t.batch_size}",
            "seed": t.seed,
            "epochs": e.info.epochs_run,
            "time (s)": e.info.seconds,
            "best val acc %": _pct(e.best_val_accuracy),
            "test acc %": _pct(e.test_accuracy),
            "how it ended": ("stopped" if e.info.stopped_by_user
                             else "early stop" if e.info.stopped_early else "all epochs"),
            "from": e.source,
        })
    return pd.DataFrame(rows)


def config_differences(entries: Sequence[RunEntry]) -> pd.DataFrame:
    """The config fields on which the runs differ: one row per field, one column per run."""
    first = entries[0].config
    fields: dict[str, None] = {}
    for e in entries[1:]:
        fields.update(dict.fromkeys(first.diff(e.config)))
    dicts = [e.config.to_dict() for e in entries]
    data = {e.name: [_show(d[f.split(".")[0]][f.split(".")[1]]) for f in fields] for e, d in zip(entries, dicts)}
    return pd.DataFrame(data, index=pd.Index(list(fields), name="setting"))


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
