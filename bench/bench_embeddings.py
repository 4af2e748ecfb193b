"""Random against word2vec starts: test accuracy and epochs to a validation target, same process.

The classroom default configuration trains three times on the bundled split (4,000 training, 1,000
validation, 5,000 test reviews) with seed 42, differing only in the embedding's start: random
(trained), the bundled IMDB word2vec fine-tuned, and frozen. Then ``ExperimentConfig.best()``
against the default with seeds 42, 1 and 7, and with ``--curve`` the learning curve over 500 /
1,000 / 2,000 / 4,000 labelled reviews. Prints the tables and writes the "Embeddings" section of
bench/results.md.

    python bench/bench_embeddings.py            # about 8 minutes on 2 cores
    python bench/bench_embeddings.py --curve    # about 4 more
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._results import update_section  # noqa: E402
from lstm_core.compare import LEARNING_CURVE_SIZES, VARIANTS, CompareSpec, compare, epochs_to_target  # noqa: E402
from lstm_core.config import ExperimentConfig  # noqa: E402
from lstm_core.pipeline import prepare, train_run  # noqa: E402

TARGETS = (0.80, 0.85)
SEEDS = (42, 1, 7)


def percent(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def row(name: str, run, seconds_per_epoch: float) -> str:
    val = run.history["val_accuracy"]
    reach = " | ".join(str(epochs_to_target(val, t) or "not reached") for t in TARGETS)
    return (f"| {name} | {percent(run.metrics.test.accuracy)} | {percent(max(val))} | {reach} | "
            f"{run.info.epochs_run} | {seconds_per_epoch:.1f} | {run.info.seconds:.0f} |")


def best_against_default(cfg: ExperimentConfig, result) -> str:
    """Test accuracy of the default and of ``ExperimentConfig.best()`` for each seed (the seed also
    draws the validation reviews); the default with seed 42 is the frozen row above."""
    best = ExperimentConfig.best()
    diff = ", ".join(f"{k} {b}" for k, (_, b) in cfg.diff(best).items())
    acc: dict[str, list[float]] = {"default": [], "best": []}
    for seed in SEEDS:
        for name, c in (("default", cfg), ("best", best)):
            if name == "default" and seed == cfg.train.seed:
                acc[name].append(result.results["word2vec_frozen"].run.metrics.test.accuracy)
                continue
            print(f"  {name}, seed {seed}", flush=True)
            run = train_run(c.replace(train={"seed": seed}), with_baseline=False)
            acc[name].append(run.metrics.test.accuracy)
    head = "| seed | " + " | ".join(str(s) for s in SEEDS) + " | mean |"
    rows = [f"| {label} | " + " | ".join(percent(a) for a in acc[name])
            + f" | {percent(sum(acc[name]) / len(SEEDS))} |"
            for name, label in (("default", "default"), ("best", f"`ExperimentConfig.best()` ({diff})"))]
    return "\n".join(["Best configuration against the default, test accuracy by seed:", "", head,
                      "|---|" + "---:|" * (len(SEEDS) + 1), *rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curve", action="store_true", help="also the learning curve (500 to 4,000 reviews)")
    args = ap.parse_args()
    cfg = ExperimentConfig()
    t0 = time.perf_counter()
    prepared = prepare(cfg)
    spec = CompareSpec(cfg, target=max(TARGETS), sizes=LEARNING_CURVE_SIZES if args.curve else ())
    result = compare(spec, prepared=prepared, progress=lambda what, f: print(f"  {what}", flush=True))
    lines = ["| start | test accuracy | best val accuracy | "
             + " | ".join(f"epochs to {t:.0%} val" for t in TARGETS) + " | epochs run | s/epoch | train s |",
             "|---|---:|---:|" + "---:|" * len(TARGETS) + "---:|---:|---:|"]
    for r in result.results.values():
        lines.append(row(r.label, r.run, r.run.info.seconds / r.run.info.epochs_run))
    lines.append("")
    lines.append(f"TF-IDF + logistic regression on the same split: {percent(result.baseline_accuracy)}. Word2vec "
                 f"coverage of the 20,000-word vocabulary: {result.coverage['word_share']:.1%} of the words, "
                 f"{result.coverage['token_share']:.1%} of the training tokens.")
    lines += ["", best_against_default(cfg, result)]
    if result.curve:
        sizes = sorted({p.size for p in result.curve})
        lines += ["", "Learning curve (test accuracy; same validation and test reviews, fewer labelled training "
                  "reviews):", "",
                  "| start | " + " | ".join(f"{s:,}" for s in sizes) + " |", "|---|" + "---:|" * len(sizes)]
        for key in spec.variants:
            acc = {p.size: p.test_accuracy for p in result.curve if p.variant == key}
            lines.append(f"| {VARIANTS[key].label} | " + " | ".join(percent(acc.get(s)) for s in sizes) + " |")
        lines.append("| TF-IDF + LR | " + " | ".join(percent(result.curve_baseline.get(s)) for s in sizes) + " |")
    m, t = cfg.model, cfg.train
    start = "frozen" if not m.embedding_trainable else "fine-tuned"
    lines += ["", f"Default configuration ({start} bundled word2vec, "
              f"{m.pooling} pooling, {cfg.sequence.max_len} tokens, {m.cell.upper()} {m.units} units, Adam "
              f"{t.learning_rate:g}, early stopping on {t.monitor} with patience {t.patience}), seed {t.seed}; "
              f"only the embedding's start differs between the rows of the first table. Whole benchmark "
              f"{time.perf_counter() - t0:.0f} s on {os.cpu_count()} CPU cores (shared), Python "
              f"{platform.python_version()}. Made by `python bench/bench_embeddings.py"
              f"{' --curve' if args.curve else ''}`."]
    text = "\n".join(lines)
    print(text)
    update_section("Embeddings", text)


if __name__ == "__main__":
    main()
