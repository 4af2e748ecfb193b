"""The Why LSTM page's figures, measured: the vanishing gradient and the memory task (issue 15).

1. Memory task, accuracy vs distance k for SimpleRNN, LSTM and GRU with one size, budget and seed, in
   four designs — the 2 x 2 of the two levers that decide it: gate-bias init (Keras' default or
   chrono) and input scale (Keras' uniform(±0.05) embedding or N(0, 1)). The default design of
   ``SweepSpec()`` is chrono + N(0, 1); its sweep time is the page's default sweep.
2. Where each cell breaks: the SimpleRNN between the distances swept, the LSTM and GRU beyond them.
3. Gradient ratios ‖∂h_T/∂x_t‖ at distance 1 over distances 50 and 100, on 8 memory-task sequences of
   120 tokens, for each cell untrained and trained at k = 80, in the Keras-default design and in the
   default design.

4. ``--race``: instead, SimpleRNN vs LSTM vs GRU on the bundled reviews with the classroom default
   configuration (``lstm_core.theory_race``): test and probe accuracy, seconds per epoch.

Prints tables and writes the "Why LSTM" (or, with ``--race``, "Why LSTM: the cells on the reviews")
section of ``bench/results.md``.

    python bench/bench_theory.py [--quick] [--no-write]
    python bench/bench_theory.py --race [--no-write]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _results import update_section  # noqa: E402

from lstm_core.gradients import PROFILE_LENGTH, memory_profiles  # noqa: E402
from lstm_core.memory_task import CELL_NAMES, SweepResult, SweepSpec, memory_sweep  # noqa: E402

DESIGNS = {  # name -> SweepSpec changes
    "Keras defaults (forget bias 1, uniform ±0.05 inputs)": dict(init="default", embedding_scale=None),
    "chrono init, uniform ±0.05 inputs": dict(init="chrono", embedding_scale=None),
    "Keras default init, N(0, 1) inputs": dict(init="default", embedding_scale=1.0),
    "chrono init, N(0, 1) inputs (the default)": dict(init="chrono", embedding_scale=1.0),
}
KERAS, DEFAULT = list(DESIGNS)[0], list(DESIGNS)[-1]


def sweep(spec: SweepSpec) -> tuple[SweepResult, float]:
    t0 = time.perf_counter()
    result = memory_sweep(spec, progress=lambda what, f: print(f"  {what}", file=sys.stderr, flush=True))
    return result, time.perf_counter() - t0


def accuracy_table(rows: list[tuple[str, SweepResult]], distances: tuple[int, ...]) -> str:
    head = "| design | cell | " + " | ".join(f"k = {k}" for k in distances) + " |"
    lines = [head, "|" + " --- |" * (2 + len(distances))]
    for name, result in rows:
        for cell, recs in result.by_cell().items():
            by_k = {r.distance: r for r in recs}
            cells = [f"{by_k[k].accuracy:.1%}" if k in by_k else "–" for k in distances]
            lines.append(f"| {name} | {CELL_NAMES[cell]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def reading(results: dict[str, SweepResult], grads: dict[tuple[str, str, bool], Any]) -> str:
    """The tables in words, every number from this run."""
    def acc(design: str, cell: str, k: int = 80) -> str:
        return f"{results[design].accuracy(cell, k):.0%}"

    def ratio(design: str, cell: str) -> str:
        return f"{grads[(design, cell, False)].ratio(50):.3g}x"

    return (f"Reading: with Keras' defaults the untrained SimpleRNN's gradient at distance 50 is only "
            f"{ratio(KERAS, 'rnn')} weaker than at distance 1 (its orthogonal recurrent matrix fed ±0.05 inputs "
            f"keeps tanh near its linear range), the LSTM's {ratio(KERAS, 'lstm')} (forget gates start at "
            f"sigmoid(1) = 0.73) and the GRU's {ratio(KERAS, 'gru')}: at k = 80 the SimpleRNN scores "
            f"{acc(KERAS, 'rnn')} while the gated cells stay at chance ({acc(KERAS, 'lstm')}, {acc(KERAS, 'gru')}) "
            f"— the issue's naive result. N(0, 1) inputs saturate the SimpleRNN's tanh ({ratio(DEFAULT, 'rnn')}) "
            f"and it falls to chance from k = 40 ({acc(DEFAULT, 'rnn', 40)}); chrono init opens the gates "
            f"(LSTM {ratio(DEFAULT, 'lstm')}, GRU {ratio(DEFAULT, 'gru')}) and both reach {acc(DEFAULT, 'lstm')} "
            f"and {acc(DEFAULT, 'gru')} at k = 80." + lever_note(results))


def lever_note(results: dict[str, SweepResult]) -> str:
    """Whether either lever alone shows the textbook difference, as this run measured it."""
    chrono_only, scale_only = list(DESIGNS)[1], list(DESIGNS)[2]
    rnn_keeps = results[chrono_only].accuracy("rnn", 80) >= 0.9
    lstm_lost = results[scale_only].accuracy("lstm", 80) < 0.6
    if rnn_keeps and lstm_lost:
        return (" Either lever alone is not enough: with chrono init and small inputs the SimpleRNN also keeps the "
                "value; with N(0, 1) inputs and Keras' init the LSTM loses it too.")
    return ""


def bench_race(write: bool) -> int:
    from lstm_core.config import ExperimentConfig
    from lstm_core.theory_race import PROBES, race

    cfg = ExperimentConfig()
    t0 = time.perf_counter()
    result = race(cfg, progress=lambda what, f: print(f"  {what}", file=sys.stderr, flush=True))
    total = time.perf_counter() - t0
    lines = ["| cell | test accuracy | probe accuracy | best val accuracy | epochs run | seconds per epoch |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in result.table():
        lines.append(f"| {r['cell']} | {r['test accuracy']:.1%} | {r['probe accuracy']:.0%} | "
                     f"{r['best val accuracy']:.1%} | {r['epochs run']} | {r['seconds per epoch']:.1f} |")
    print("\n".join(lines))
    if write:
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        m = cfg.model
        md = [f"`python bench/bench_theory.py --race` on {os.cpu_count()} cores shared with other work (load "
              f"average at the end {load}). The classroom default configuration ({m.units} units, "
              f"{m.embedding_dim}-d frozen word2vec embedding, {m.pooling} pooling, {cfg.sequence.max_len} tokens, "
              f"up to {cfg.train.max_epochs} epochs with early stopping, seed {cfg.train.seed}) on the bundled "
              f"split, once per cell; only the cell differs. Probe accuracy: the {len(PROBES)} probe reviews of "
              f"`lstm_core.theory_race` (verdict first, neutral description after). Whole race: {total:.0f} s.",
              "", *lines]
        update_section("Why LSTM: the cells on the reviews", "\n".join(md))
        print("wrote the 'Why LSTM: the cells on the reviews' section of bench/results.md")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the default design, no break search")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--race", action="store_true", help="only the three cells on the bundled reviews")
    args = ap.parse_args()
    if args.race:
        return bench_race(write=not args.no_write)
    base = SweepSpec()
    designs = {DEFAULT: DESIGNS[DEFAULT]} if args.quick else DESIGNS

    # 1. the 2 x 2 designs at the default distances
    results: dict[str, SweepResult] = {}
    seconds: dict[str, float] = {}
    for name, changes in designs.items():
        print(f"memory task, {name}", file=sys.stderr)
        results[name], seconds[name] = sweep(dataclasses.replace(base, **changes))
        print(f"{name}: {results[name].summary()} ({seconds[name]:.0f} s)")

    # 2. where each cell breaks
    breaks: list[tuple[str, SweepResult]] = []
    if not args.quick:
        print("break search", file=sys.stderr)
        near, _ = sweep(dataclasses.replace(base, cells=("rnn",), distances=(15, 20, 30), length=90))
        far, far_s = sweep(dataclasses.replace(base, cells=("lstm", "gru"), distances=(150, 300)))
        breaks = [("default design, 90 tokens", near), ("default design, 310 tokens", far)]
        for name, r in breaks:
            print(f"{name}: {r.summary()}")

    # 3. gradient ratios, untrained and trained at the longest distance (80)
    grad_rows = []
    for name in (KERAS, DEFAULT) if not args.quick else (DEFAULT,):
        spec = dataclasses.replace(base, **DESIGNS[name])
        for p in memory_profiles(spec, results[name].models):
            grad_rows.append((name, p))
            print(f"{name} | {p.label}: d1/d50 {p.ratio(50):.3g}, d1/d100 {p.ratio(100):.3g}")

    if args.no_write:
        return 0
    distances = base.distances
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    md = [f"`python bench/bench_theory.py` on {platform.machine()} with {os.cpu_count()} cores, shared with other "
          f"work (load average at the end {load}: times are indicative). Issue 15's evidence for the Why LSTM page.",
          "",
          "### Memory task: accuracy on 1,000 fresh test sequences vs the value's distance k from the end",
          "",
          f"Design and budget (every cell the same): {base.describe().replace(', chrono init', '')}; the two "
          "levers vary as named. Chance is 50%. Each cell's model keeps its best validation epoch.",
          "",
          accuracy_table(list(results.items()), distances),
          "",
          "Default sweep (the page's default, 3 cells x 3 distances): "
          + (f"{seconds[DEFAULT]:.0f} s." if DEFAULT in seconds else "not run.")]
    if breaks:
        md += ["", "Where each cell breaks in the default design:", "",
               accuracy_table(breaks, (15, 20, 30, 150, 300))]
    md += ["", "### Vanishing gradient: ‖∂h_T/∂x_t‖ at distance 1 over distance d",
           "",
           f"Mean Frobenius norm of the Jacobian over 8 memory-task sequences of {PROFILE_LENGTH} tokens "
           "(tf.GradientTape). Untrained: the cell as initialised in that design; trained: the sweep's model "
           "at k = 80.",
           "",
           "| design | network | d1 / d50 | d1 / d100 |", "| --- | --- | --- | --- |"]
    for name, p in grad_rows:
        md.append(f"| {name} | {p.label} | {p.ratio(50):.3g} | {p.ratio(100):.3g} |")
    if KERAS in results:
        md += ["", reading(results, {(name, p.cell, p.trained): p for name, p in grad_rows})]
    update_section("Why LSTM", "\n".join(md))
    print("wrote the 'Why LSTM' section of bench/results.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
