"""How long gate tracing takes: 200 tokens through 64 units (issue 5's target: <= 20 ms).

Times ``lstm_core.gates`` (NumPy, float64) on one 200-token sequence of 128-d embeddings — the
default ``ExperimentConfig`` sizes — as the median of many runs, for LSTM, GRU and SimpleRNN, and the
same sequence through the Keras layer itself (eager call and compiled ``predict_on_batch``), which
returns h but no gates. Prints a table and writes the "Gate tracing" section of ``bench/results.md``.

    python bench/bench_gates.py [--repeats 300] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from lstm_core.gates import trace_layer  # noqa: E402

N_TOKENS, UNITS, EMBEDDING_DIM = 200, 64, 128
TARGET_MS = 20.0
CELLS = {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU, "SimpleRNN": keras.layers.SimpleRNN}


def _median_ms(fn: Callable[[], Any], repeats: int, warmup: int = 3) -> tuple[float, float]:
    """(median, 90th percentile) wall time of ``fn()`` in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), float(np.percentile(times, 90))


def measure(repeats: int) -> list[dict[str, Any]]:
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(1, N_TOKENS, EMBEDDING_DIM)).astype("float32")  # (1, T, E)
    rows = []
    for name, cls in CELLS.items():
        layer = cls(UNITS, return_sequences=True, return_state=True)
        model = keras.Sequential([keras.Input((N_TOKENS, EMBEDDING_DIM)), cls(UNITS, return_sequences=True)])
        layer(x)
        trace, trace_p90 = _median_ms(lambda: trace_layer(layer, x[0]), repeats)
        eager, _ = _median_ms(lambda: layer(x), max(10, repeats // 10))
        compiled, _ = _median_ms(lambda: model.predict_on_batch(x), max(10, repeats // 10))
        rows.append({"cell": name, "trace": trace, "trace_p90": trace_p90, "eager": eager, "compiled": compiled})
    return rows


def to_markdown(rows: list[dict[str, Any]], repeats: int) -> str:
    lines = [
        f"One sequence of {N_TOKENS} tokens × {EMBEDDING_DIM}-d embeddings through {UNITS} units; "
        f"median (90th percentile) of {repeats} runs of `trace_layer` (weights read from the layer, "
        f"NumPy float64, all gates kept). Target: ≤ {TARGET_MS:.0f} ms. For comparison, the Keras layer "
        "on the same input returns h only.",
        "",
        "| cell | gate trace (NumPy) | Keras eager call | Keras `predict_on_batch` |",
        "| --- | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(f"| {r['cell']} | {r['trace']:.1f} ms ({r['trace_p90']:.1f}) | {r['eager']:.1f} ms "
                     f"| {r['compiled']:.1f} ms |")
    lines += ["", f"Machine: {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
                  f"NumPy {np.__version__}, Keras {keras.__version__}. "
                  "Made by `python bench/bench_gates.py`."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300, help="timed runs per measurement")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md")
    args = parser.parse_args(argv)

    rows = measure(args.repeats)
    markdown = to_markdown(rows, args.repeats)
    print(markdown)
    slow = [r["cell"] for r in rows if r["trace"] > TARGET_MS]
    if slow:
        print(f"\nover the {TARGET_MS:.0f} ms target: {', '.join(slow)}", file=sys.stderr)
    if not args.no_write:
        from bench._results import update_section

        update_section("Gate tracing", markdown)
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
