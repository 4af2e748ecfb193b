"""Train the default run shipped in assets/default_run/ (the Gates page's model on first open).

The classroom default configuration on the bundled sample, seed 42, saved with lstm_core.runs
(weights + our JSON). Takes about a minute on 2 cores.

    python scripts/make_default_run.py
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lstm_core.config import ExperimentConfig  # noqa: E402
from lstm_core.pipeline import train_run  # noqa: E402
from lstm_core.runs import save_run  # noqa: E402

DEFAULT_RUN = ROOT / "assets" / "default_run"


def main() -> None:
    t0 = time.perf_counter()
    run = train_run(ExperimentConfig(), name="default (bundled)")
    run.info.created = "shipped with LSTM Lab"
    save_run(run, DEFAULT_RUN)
    test, base = run.metrics.test, run.metrics.baseline.metrics
    size = sum(f.stat().st_size for f in DEFAULT_RUN.iterdir()) / 2**20
    print(f"{DEFAULT_RUN}: test accuracy {test.accuracy:.4f} (TF-IDF baseline {base.accuracy:.4f}), "
          f"{run.info.epochs_run} epochs, {run.info.seconds:.0f} s training, {size:.1f} MB, "
          f"{time.perf_counter() - t0:.0f} s in all")


if __name__ == "__main__":
    main()
