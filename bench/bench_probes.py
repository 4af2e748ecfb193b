"""The teaching probes (``assets/probes.tsv``) per category: a run against the same-split TF-IDF + LR.

What ``python -m lstm_core probes RUN --baseline`` prints, as a table, for the shipped default model
(or any run); writes the "Teaching probes" section of ``bench/results.md``.

    python bench/bench_probes.py [--run assets/default_run] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lstm_core.pipeline import prepare  # noqa: E402
from lstm_core.probes import load_probes, score_baseline, score_run  # noqa: E402
from lstm_core.runs import load_run  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=str(REPO / "assets" / "default_run"), help="run directory to score")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md")
    args = parser.parse_args(argv)

    run = load_run(args.run)
    probes = load_probes()
    mine = score_run(run, probes)
    start = time.perf_counter()
    base = score_baseline(prepare(run.config), probes, run.config.train.seed)
    seconds = time.perf_counter() - start
    test = "unknown" if run.test_accuracy is None else f"{run.test_accuracy:.1%}"
    lines = [
        f"`python bench/bench_probes.py` — {len(probes)} short reviews written for LSTM Lab, the run "
        f"*{run.name}* (trained on {run.info.data}, {run.info.train_size:,} + {run.info.val_size:,} reviews; "
        f"test accuracy {test}) against TF-IDF 1-2-grams + logistic regression fitted on the same "
        f"training reviews ({seconds:.1f} s to prepare and fit). Right / probes:",
        "",
        "| category | this run | bag of words |",
        "| --- | --- | --- |",
    ]
    for a, b in zip(mine.categories(), base.categories()):
        lines.append(f"| {a.category} | {a.correct}/{a.total} | {b.correct}/{b.total} |")
    lines.append(f"| all | {mine.overall.correct}/{mine.overall.total} | {base.overall.correct}/{base.overall.total} |")
    markdown = "\n".join(lines)
    print(markdown)
    if not args.no_write:
        from bench._results import update_section

        update_section("Teaching probes", markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
