"""Training speed and time-to-accuracy: classroom default against the tutorial's settings.

Both configurations train in this one process on the bundled split (5,000 train, 5,000 test), so
the ratio compares like with like on whatever machine runs it. Prints a table and writes the
"Training" section of bench/results.md.

    python bench/bench_training.py                 # both, tutorial up to its early stop (~6 min)
    python bench/bench_training.py --tutorial-epochs 3
    python bench/bench_training.py --max-len-sweep   # how the default max_len was chosen
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._results import update_section  # noqa: E402
from lstm_core.config import ExperimentConfig  # noqa: E402
from lstm_core.pipeline import prepare, train_run  # noqa: E402
from lstm_core.training import NullListener  # noqa: E402


class Clock(NullListener):
    """Notes when validation accuracy first reaches each target."""

    def __init__(self, targets):
        self.targets, self.reached = targets, {}

    def on_epoch_end(self, u):
        for t in self.targets:
            if t not in self.reached and u.logs.get("val_accuracy", 0) >= t:
                self.reached[t] = (u.epoch + 1, u.elapsed)


def measure(name: str, cfg: ExperimentConfig, targets) -> dict:
    t0 = time.perf_counter()
    prep = prepare(cfg)
    prep_s = time.perf_counter() - t0
    clock = Clock(targets)
    run = train_run(cfg, clock, prepared=prep, with_baseline=False)
    real_tokens = int((prep.x_train != 0).sum())
    steps = prep.x_train.size
    epochs = run.info.epochs_run
    secs = run.info.seconds
    return {
        "name": name, "prep_s": prep_s, "train_s": secs, "epochs": epochs,
        "s_per_epoch": secs / epochs, "tokens_per_s": real_tokens * epochs / secs,
        "steps_per_s": steps * epochs / secs, "max_len": cfg.sequence.max_len,
        "test_acc": run.metrics.test.accuracy,
        "best_val": max(run.history["val_accuracy"]), "reached": clock.reached,
    }


def max_len_sweep(lengths=(100, 200, 300, 400)) -> None:
    """The default config at several max_len: what truncation costs and what it saves."""
    lines = ["| max_len | reviews truncated | tokens cut | s/epoch | epochs | best val | test acc |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for n in lengths:
        cfg = ExperimentConfig().replace(sequence={"max_len": n})
        prep = prepare(cfg)
        r = measure(f"max_len {n}", cfg, ())
        s = prep.pad_stats
        lines.append(f"| {n} | {s.share_truncated:.0%} | {s.share_tokens_cut:.0%} | {r['s_per_epoch']:.1f} | "
                     f"{r['epochs']} | {r['best_val']:.3f} | {r['test_acc']:.3f} |")
        print(lines[-1], flush=True)
    lines.append("")
    lines.append(f"Default config otherwise (seed 42, bundled split); keep = end. Measured "
                 f"{time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores.")
    update_section("Sequence length", "\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tutorial-epochs", type=int, default=100)
    ap.add_argument("--max-len-sweep", action="store_true", help="only the max_len comparison")
    args = ap.parse_args()
    if args.max_len_sweep:
        max_len_sweep()
        return
    targets = (0.80, 0.85)
    rows = [measure("classroom default", ExperimentConfig(), targets),
            measure("tutorial settings", ExperimentConfig.tutorial().replace(
                train={"max_epochs": args.tutorial_epochs}), targets)]
    lines = ["| config | max_len | s/epoch | real tokens/s | padded steps/s | epochs | train s | "
             + " | ".join(f"to val {t:.0%} (epoch, s)" for t in targets) + " | best val | test acc |",
             "|---|---:|---:|---:|---:|---:|---:|" + "---:|" * len(targets) + "---:|---:|"]
    for r in rows:
        reach = " | ".join(f"{r['reached'][t][0]}, {r['reached'][t][1]:.0f}" if t in r["reached"]
                           else "not reached" for t in targets)
        lines.append(f"| {r['name']} | {r['max_len']} | {r['s_per_epoch']:.1f} | {r['tokens_per_s']:,.0f} | "
                     f"{r['steps_per_s']:,.0f} | {r['epochs']} | {r['train_s']:.0f} | {reach} | "
                     f"{r['best_val']:.3f} | {r['test_acc']:.3f} |")
    d, t = rows
    lines.append("")
    lines.append(f"Per epoch the default is {t['s_per_epoch'] / d['s_per_epoch']:.1f}x faster than the tutorial's "
                 f"settings; whole training {t['train_s'] / d['train_s']:.1f}x faster. "
                 f"Data preparation (load + clean, cache cold or warm as found): {d['prep_s']:.1f} s and "
                 f"{t['prep_s']:.1f} s. Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores.")
    text = "\n".join(lines)
    print(text)
    update_section("Training", text)


if __name__ == "__main__":
    main()
