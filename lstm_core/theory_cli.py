"""``python -m lstm_core memory`` and ``python -m lstm_core gradients``: the Why LSTM page's figures headless.

    python -m lstm_core memory --cells rnn,lstm,gru --distances 10,40,80 [--json]
    python -m lstm_core gradients --cells rnn,lstm,gru [--trained] [--json]
    python -m lstm_core gradients --run RUN_DIR --text "a review" [--json]

Registered by :func:`add_theory_commands` in ``lstm_core.cli``. Tables go to stdout (JSON with
``--json``), progress to stderr; a bad value is a ``ValueError`` naming the flag, which the CLI prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .gradients import PROFILE_LENGTH, RATIO_DISTANCES, TARGETS
from .memory_task import CELL_NAMES, INITS, SweepSpec, memory_sweep, parse_list, records_json
from .runs import load_run

# flag -> (SweepSpec field, type, help); one table drives the parser and the spec.
SWEEP_FLAGS: list[tuple[str, str, Any, str]] = [
    ("--length", "length", int, "tokens per sequence (default: the longest distance + 10)"),
    ("--values", "n_values", int, "value tokens = classes (chance is 1/values)"),
    ("--fillers", "n_fillers", int, "filler tokens"),
    ("--distractors", "distractors", float, "share of other positions holding a value token"),
    ("--units", "units", int, "recurrent units"),
    ("--embedding-dim", "embedding_dim", int, "embedding size"),
    ("--init", "init", INITS, "gate-bias initialisation: Keras' default or chrono (Tallec & Ollivier)"),
    ("--embedding-scale", "embedding_scale", float, "std of the embedding's normal init; 0 = Keras' uniform(±0.05)"),
    ("--train", "n_train", int, "training sequences"),
    ("--epochs", "epochs", int, "training epochs (all are run; the best validation epoch is kept)"),
    ("--batch-size", "batch_size", int, "batch size"),
    ("--lr", "learning_rate", float, "Adam learning rate"),
    ("--seed", "seed", int, "seed of data, initialisation and shuffling"),
]


def _add_sweep_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cells", default="rnn,lstm,gru", help="comma-separated: rnn, lstm, gru")
    for flag, _, kind, text in SWEEP_FLAGS:
        if isinstance(kind, tuple):
            p.add_argument(flag, choices=kind, default=None, help=text)
        else:
            p.add_argument(flag, type=kind, default=None, help=text)


def spec_from_args(args: argparse.Namespace, distances: tuple[int, ...]) -> SweepSpec:
    changes: dict[str, Any] = {"cells": parse_list(args.cells, "--cells"), "distances": distances}
    for flag, name, _, _ in SWEEP_FLAGS:
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is not None:
            changes[name] = value
    if changes.get("embedding_scale") == 0:
        changes["embedding_scale"] = None
    return SweepSpec(**changes)


def _progress(what: str, fraction: float) -> None:
    print(what, file=sys.stderr, flush=True)


def cmd_memory(args) -> int:
    spec = spec_from_args(args, parse_list(args.distances, "--distances", int))
    result = memory_sweep(spec, progress=_progress)
    if args.json:
        print(json.dumps({"design": spec.to_dict(), "records": records_json(result.records)}, indent=2))
        return 0
    print(f"memory task: {spec.describe()}")
    print(f"{'cell':<10}" + "".join(f"{'k=' + str(k):>8}" for k in spec.distances))
    for cell, recs in result.by_cell().items():
        print(f"{CELL_NAMES[cell]:<10}" + "".join(f"{r.accuracy:>8.1%}" for r in recs))
    print(f"chance: {1 / spec.n_values:.0%}")
    return 0


def _profiles_table(profiles) -> None:
    shown = [d for d in (1, 10, *RATIO_DISTANCES) if d <= min(len(p.norms) for p in profiles)]
    print(f"{'network':<32}" + "".join(f"{'d=' + str(d):>11}" for d in shown)
          + "".join(f"{'d1/d' + str(d):>11}" for d in RATIO_DISTANCES if d in shown))
    for p in profiles:
        print(f"{p.label:<32}" + "".join(f"{p.at(d):>11.3g}" for d in shown)
              + "".join(f"{p.ratio(d):>11.3g}" for d in RATIO_DISTANCES if d in shown))


def cmd_gradients(args) -> int:
    from .gradients import memory_profiles, review_gradients

    if args.run_dir:

        if not args.text or not args.text.strip():
            raise ValueError("--text is empty: give the review whose gradients to measure (with --run)")
        found = review_gradients(load_run(args.run_dir), args.text)
        if args.json:
            print(json.dumps({"tokens": list(found.tokens), "profiles": [p.to_dict() for p in found.profiles],
                              "cell_path": [{"gate": c.gate, "mean": [float(f"{v:.6g}") for v in c.mean()]}
                                            for c in found.paths]}, indent=2))
            return 0
        print(f"{len(found.tokens)} tokens; ‖∂h_T/∂x_t‖ by distance from the end")
        _profiles_table(found.profiles)
        for label, path in zip(("trained", "untrained"), found.paths):
            far = min(len(found.tokens), 50)
            print(f"cell path ({label}): mean product of {path.gate} over {far - 1} steps = {path.at(far):.3g}")
        return 0
    distance = args.trained_distance
    spec = spec_from_args(args, (distance,))
    models = None
    if args.trained:

        models = memory_sweep(spec, progress=_progress).models
    profiles = memory_profiles(spec, models, distance=distance, length=args.seq_length,
                               n_sequences=args.sequences, target=args.target)
    if args.json:
        print(json.dumps({"design": spec.to_dict(), "length": args.seq_length, "sequences": args.sequences,
                          "profiles": [p.to_dict() for p in profiles]}, indent=2))
        return 0
    print(f"‖∂{'h_T' if args.target == 'h_T' else 'L'}/∂x_t‖ on {args.sequences} memory-task sequences of "
          f"{args.seq_length} tokens; networks: {spec.describe()}")
    _profiles_table(profiles)
    return 0


def add_theory_commands(sub: Any) -> None:
    m = sub.add_parser("memory", help="accuracy vs distance on the memory task, per cell",
                       description="Train each cell on a seeded synthetic task whose label is one value token "
                                   "k steps before the end (after a marker, among filler and distractors), for "
                                   "every distance k, with the same size, budget and seed; print accuracy on "
                                   "fresh test sequences.")
    m.add_argument("--distances", default="10,40,80", help="comma-separated k (default 10,40,80)")
    _add_sweep_flags(m)
    m.add_argument("--json", action="store_true", help="one record per (cell, distance) as JSON")
    m.set_defaults(func=cmd_memory)

    g = sub.add_parser("gradients", help="gradient norm vs distance from the end (the vanishing gradient)",
                       description="With tf.GradientTape: the norm of ∂h_T/∂x_t (or of the loss) for every "
                                   "earlier step, by distance from the end, for untrained networks of each cell "
                                   "and, with --trained, the same networks trained on the memory task; or, with "
                                   "--run and --text, a saved run's network on a review.")
    g.add_argument("--target", choices=TARGETS, default="h_T", help="differentiate h_T (default) or the loss")
    g.add_argument("--seq-length", type=int, default=PROFILE_LENGTH, help="tokens per measured sequence")
    g.add_argument("--sequences", type=int, default=8, help="sequences averaged")
    g.add_argument("--trained", action="store_true", help="also train each cell on the memory task first")
    g.add_argument("--trained-distance", type=int, default=80, help="the task's distance when training")
    g.add_argument("--run", dest="run_dir", default=None, help="a run directory: measure its network on --text")
    g.add_argument("--text", default=None, help="the review (with --run)")
    _add_sweep_flags(g)
    g.add_argument("--json", action="store_true", help="every norm as JSON")
    g.set_defaults(func=cmd_gradients)
