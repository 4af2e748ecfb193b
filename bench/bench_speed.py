"""Training speed against what the machine can do, old path against new, in one run (issue 16).

In this one process: the machine's own float32 matmul GFLOP/s; the classroom default trained the
old way (every batch of 64 padded to max_len, ``train.bucketing = False``), length-bucketed batches of
64, and the new way (length-bucketed batches of 256, the default); a plain Keras fit of the reference
network on the same reviews (Embedding 128 frozen -> LSTM 64 -> masked mean -> Dense 64 -> Dense 2,
batch 64, padded to 200); one epoch of the tutorial's settings each way; the full 25,000-review
dataset the new way (when the tarball is there); then the whole ``python -m lstm_core train`` command
in a child process (wall time, peak RSS). Ratios are measured side by side because the machine is
shared: the load average is printed with them.

    python bench/bench_speed.py                        # about 5 minutes on 2 quiet cores, <= 10 loaded
    python bench/bench_speed.py --no-full              # without the full dataset
    python bench/bench_speed.py --seeds 42 1 7         # only: test accuracy old vs new per seed
    python bench/bench_speed.py --command              # only: the whole train command

Writes the "Training speed" section of bench/results.md (with --seeds: "Training speed: accuracy",
with --command: "Training speed: whole command").
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench._results import update_section  # noqa: E402
from lstm_core.config import ExperimentConfig  # noqa: E402
from lstm_core.limits import estimate_training, step_flops  # noqa: E402
from lstm_core.pipeline import prepare, train_run  # noqa: E402
from lstm_core.training import (  # noqa: E402
    NullListener,
    bucket_lengths,
    epoch_plan,
    sequence_lengths,
)

FULL_TARBALL = Path("/work/shared/data/aclImdb_v1.tar.gz")
TARGET = 0.85  # validation accuracy whose first epoch is timed
# The path before issue 16: every batch of 64 padded to max_len, Keras' shuffle, Adam 2e-3.
OLD_TRAIN = {"bucketing": False, "batch_size": 64, "learning_rate": 2e-3}
# Bucketing alone, at the old batch size: what the batch of 256 adds is measured apart from it.
BUCKETED_64 = {"bucketing": True, "batch_size": 64, "learning_rate": 2e-3}


def load() -> str:
    return "load average " + " / ".join(f"{v:.1f}" for v in os.getloadavg())


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kB


def matmul_gflops(n: int = 1024, seconds: float = 3.0) -> float:
    """Best of a few timed rounds of TensorFlow float32 (n, n) @ (n, n) on this machine's cores."""
    import tensorflow as tf

    a, b = tf.random.normal((n, n)), tf.random.normal((n, n))
    (a @ b).numpy()
    best, t_end = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        t0 = time.perf_counter()
        c = a
        for _ in range(10):
            c = tf.matmul(a, b)
        c.numpy()
        best = max(best, 10 * 2 * n**3 / (time.perf_counter() - t0) / 1e9)
    return best


class EpochClock(NullListener):
    """Per-epoch wall times and the first epoch reaching the target validation accuracy."""

    def __init__(self):
        self.ends, self.reached = [], None

    def on_epoch_end(self, u):
        self.ends.append(u.elapsed)
        if self.reached is None and u.logs.get("val_accuracy", 0) >= TARGET:
            self.reached = (u.epoch + 1, u.elapsed)

    def steady_epoch(self) -> float:
        """Median seconds of the epochs after the first (which also traces the graph), or the first's."""
        laps = np.diff([0.0, *self.ends])
        return float(np.median(laps[1:] if len(laps) > 1 else laps))


@dataclass
class Row:
    name: str
    s_per_epoch: float
    real_tokens: int  # per epoch, training reviews
    padded_share: float
    epochs: int
    fit_s: float
    reached: tuple | None
    test_acc: float | None
    flops_per_token: float
    estimate_s: float | None = None

    @property
    def tokens_per_s(self) -> float:
        return self.real_tokens / self.s_per_epoch

    def useful_gflops(self) -> float:
        return self.tokens_per_s * self.flops_per_token / 1e9


def padded_share(prep, cfg: ExperimentConfig) -> float:
    """The training batches' share of padding: epoch 0's plan, or max_len everywhere (old path)."""
    lengths = sequence_lengths(prep.x_train)
    if not cfg.train.bucketing:
        return 1 - lengths.sum() / prep.x_train.size
    return epoch_plan(lengths, cfg.train.batch_size, bucket_lengths(prep.x_train.shape[1]),
                      cfg.train.seed, 0).padded_share


def measure(name: str, cfg: ExperimentConfig, prep, *, test: bool = True) -> Row:
    clock = EpochClock()
    run = train_run(cfg, clock, prepared=prep, with_baseline=False) if test else None
    if run is None:  # an epoch or two for the speed only, no test pass
        from lstm_core.model import build_model
        from lstm_core.training import seed_everything, train

        seed_everything(cfg.train.seed)
        model = build_model(cfg.model, prep.vocab.size, train_cfg=cfg.train)
        result = train(model, prep.x_train, prep.y_train, prep.x_val, prep.y_val, cfg.train, clock)
        epochs, fit_s = result.epochs_run, result.seconds
    else:
        epochs, fit_s = run.info.epochs_run, run.info.seconds
    reviews = len(prep.x_train) + len(prep.x_val)
    row = Row(name, clock.steady_epoch(), int((prep.x_train != 0).sum()), padded_share(prep, cfg), epochs, fit_s,
              clock.reached, run.metrics.test.accuracy if run else None, step_flops(cfg.model),
              estimate_training(cfg.replace(train={"max_epochs": epochs}), reviews).seconds)
    print(f"  {name}: {row.s_per_epoch:.2f} s/epoch, {row.tokens_per_s:,.0f} real tokens/s, padded "
          f"{row.padded_share:.0%}, {epochs} epochs in {fit_s:.1f} s, test "
          f"{'-' if row.test_acc is None else f'{row.test_acc:.3f}'} ({load()})", flush=True)
    return row


def keras_reference(prep):
    """The reference network in plain Keras, compiled for ``fit`` on the same padded reviews."""
    import keras

    keras.utils.set_random_seed(0)
    layers = keras.layers
    tokens = keras.Input(shape=(prep.x_train.shape[1],), dtype="int32")
    x = layers.Embedding(prep.vocab.size, 128, mask_zero=True, trainable=False)(tokens)
    x = layers.LSTM(64, return_sequences=True)(x)
    x = layers.GlobalAveragePooling1D()(x)  # masked mean
    x = layers.Dense(64, activation="relu")(x)
    model = keras.Model(tokens, layers.Dense(2, activation="softmax")(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def side_by_side(prep, paths: dict[str, ExperimentConfig],
                 rounds: int = 3) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds of one epoch (validation included) of each path, taken in turns,
    ``rounds`` times: the machine's load drifts, so each round's ratio compares epochs run within a
    minute of each other, and CPU seconds (this process's threads) count the work whoever else
    runs. The first round also traces each graph."""
    from lstm_core.model import build_model
    from lstm_core.training import seed_everything, train

    models = {}
    for name, cfg in paths.items():
        seed_everything(cfg.train.seed)
        models[name] = build_model(cfg.model, prep.vocab.size, train_cfg=cfg.train)
    models["keras"] = keras_reference(prep)
    laps: dict[str, list[float]] = {name: [] for name in models}
    cpu: dict[str, list[float]] = {name: [] for name in models}
    for r in range(rounds):
        for name, model in models.items():
            t0, c0 = time.perf_counter(), time.process_time()
            if name == "keras":
                model.fit(prep.x_train, prep.y_train, validation_data=(prep.x_val, prep.y_val), batch_size=64,
                          epochs=1, verbose=0)
            else:
                cfg = paths[name]
                train(model, prep.x_train, prep.y_train, prep.x_val, prep.y_val,
                      dataclasses.replace(cfg.train, max_epochs=1))
            laps[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
        print(f"  round {r + 1}: " + ", ".join(f"{n} {laps[n][-1]:.1f} s ({cpu[n][-1]:.1f} CPU s)" for n in laps)
              + f" ({load()})", flush=True)
    return laps, cpu


def whole_command(tmp: Path) -> tuple[float, float, dict]:
    """``python -m lstm_core train`` with the defaults in a child process: wall s, peak RSS MB, its JSON.
    The peak is the child's own VmHWM, polled (getrusage's children figure would count this
    process's memory, which the child inherits for an instant when it is forked)."""
    t0 = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "lstm_core", "train", "--out", str(tmp / "cmd-run")],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    status, peak_kb = Path(f"/proc/{child.pid}/status"), 0
    while child.poll() is None:
        try:
            hwm = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM"))
            peak_kb = max(peak_kb, int(hwm.split()[1]))
        except (OSError, StopIteration):
            pass
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    out = child.stdout.read()
    if child.returncode:
        raise SystemExit(f"the train command failed with status {child.returncode}")
    return wall, peak_kb / 1024, json.loads(out)


def command_only() -> None:
    """Only the whole command, in its own section (quick to rerun)."""
    with tempfile.TemporaryDirectory() as tmp:
        wall, rss, out = whole_command(Path(tmp))
    text = (f"Whole `python -m lstm_core train` (defaults, TF-IDF baseline included, cleaning cache warm): "
            f"{wall:.1f} s, fit {out['info']['seconds']:.1f} s, test accuracy {out['metrics']['test']['accuracy']:.3f}, "
            f"peak RSS {rss:.0f} MB. Measured {time.strftime('%Y-%m-%d %H:%M')}, {load()}, by "
            f"`python bench/bench_speed.py --command`.")
    print(text)
    update_section("Training speed: whole command", text)


def table(rows: list[Row], gflops: float) -> list[str]:
    lines = ["| path | s/epoch | real tokens/s | padded share | useful GFLOP/s (share of matmul) | epochs | "
             f"fit s | to val {TARGET:.0%} (epoch, s) | test acc | estimate s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        reach = f"{r.reached[0]}, {r.reached[1]:.1f}" if r.reached else "-"
        acc = "-" if r.test_acc is None else f"{r.test_acc:.3f}"
        est = "-" if r.estimate_s is None else f"{r.estimate_s:.0f}"
        lines.append(f"| {r.name} | {r.s_per_epoch:.2f} | {r.tokens_per_s:,.0f} | {r.padded_share:.0%} | "
                     f"{r.useful_gflops():.1f} ({r.useful_gflops() / gflops:.1%}) | {r.epochs} | {r.fit_s:.1f} | "
                     f"{reach} | {acc} | {est} |")
    return lines


def speed(args) -> None:
    start = time.perf_counter()
    print(f"start ({load()})", flush=True)
    gflops = matmul_gflops()
    print(f"  float32 matmul: {gflops:.0f} GFLOP/s", flush=True)
    new = ExperimentConfig()
    old, bucketed64 = new.replace(train=OLD_TRAIN), new.replace(train=BUCKETED_64)
    prep = prepare(new)
    laps, cpu = side_by_side(prep, {"old": old, "bucketed64": bucketed64, "new": new})
    steady = {name: float(np.median(v[1:])) for name, v in laps.items()}  # round 1 traces
    others = ("old", "bucketed64", "keras")
    ratios = {name: [o / n for o, n in zip(laps[name][1:], laps["new"][1:])] for name in others}
    cpu_ratio = {name: float(np.sum(cpu[name][1:]) / np.sum(cpu["new"][1:])) for name in others}
    real = int((prep.x_train != 0).sum())
    flops = step_flops(new.model)
    shares = {"old": padded_share(prep, old), "bucketed64": padded_share(prep, bucketed64),
              "new": padded_share(prep, new), "keras": padded_share(prep, old)}
    names = {"old": "default, old path (batch 64 padded to 200)", "bucketed64": "bucketed, batch 64",
             "new": "default, new path (bucketed, batch 256)", "keras": "plain Keras fit, reference network"}
    lines = ["| path | s/epoch | real tokens/s | padded share | useful GFLOP/s (share of matmul) | epochs of it |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, secs in steady.items():
        useful = real / secs * flops / 1e9
        lines.append(f"| {names[name]} | {secs:.2f} | {real / secs:,.0f} | {shares[name]:.0%} | "
                     f"{useful:.1f} ({useful / gflops:.1%}) | {len(laps[name]) - 1} |")
    rows = [measure("default, new path, whole training", new, prep)]
    tutorial = ExperimentConfig.tutorial().replace(train={"max_epochs": 1})
    tprep = prepare(tutorial)
    rows += [measure("tutorial, old path, 1 epoch", tutorial.replace(train={"bucketing": False}), tprep, test=False),
             measure("tutorial, new path, 1 epoch", tutorial, tprep, test=False)]
    del tprep
    if not args.no_full and FULL_TARBALL.exists():
        full = new.replace(data={"source": str(FULL_TARBALL)})
        t0 = time.perf_counter()
        fprep = prepare(full)
        print(f"  full dataset prepared in {time.perf_counter() - t0:.0f} s", flush=True)
        rows.append(measure("full 25,000 reviews, new path, whole training", full, fprep))
        del fprep
    rss_self = peak_rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        wall, rss_cmd, out = whole_command(Path(tmp))
    print(f"  whole train command: {wall:.1f} s, peak RSS {rss_cmd:.0f} MB ({load()})", flush=True)
    t_old, t_new = rows[1], rows[2]
    lines += ["", *table(rows, gflops), "",
              f"Ratios of one epoch's seconds, taken in turns (rounds 2-{len(laps['new'])}): old/new "
              f"**{' and '.join(f'{r:.2f}x' for r in ratios['old'])}**, plain Keras/new "
              f"**{' and '.join(f'{r:.2f}x' for r in ratios['keras'])}** (real tokens/s new over old and over "
              f"plain Keras); in CPU seconds (this process, rounds 2-{len(laps['new'])} summed) old/new "
              f"**{cpu_ratio['old']:.2f}x**, plain Keras/new **{cpu_ratio['keras']:.2f}x**, bucketed at 64/new "
              f"{cpu_ratio['bucketed64']:.2f}x (wall {' and '.join(f'{r:.2f}x' for r in ratios['bucketed64'])}); the tutorial's one epoch new/old {t_new.tokens_per_s / t_old.tokens_per_s:.2f}x "
              f"(tracing included). This machine's float32 matmul: {gflops:.0f} GFLOP/s. Useful work counts real "
              f"tokens only, forward + backward of the recurrent step (lstm_core.limits.step_flops); s/epoch "
              f"includes validation; in the second table it is the median epoch after the first. 'estimate s' "
              f"is limits.estimate_training for the epochs run.",
              f"Whole `python -m lstm_core train` (defaults, TF-IDF baseline included, cleaning cache warm): "
              f"{wall:.1f} s, fit {out['info']['seconds']:.1f} s, test accuracy "
              f"{out['metrics']['test']['accuracy']:.3f}, peak RSS {rss_cmd:.0f} MB; this bench's own peak RSS "
              f"{rss_self:.0f} MB.",
              f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores shared with other users; "
              f"{load()} at the end; the bench took {time.perf_counter() - start:.0f} s."]
    text = "\n".join(lines)
    print(text)
    update_section("Training speed", text)


def accuracy(seeds: list[int]) -> None:
    """Test accuracy of the default trained old and new way, per seed (same model, same reviews)."""
    lines = ["| seed | old path test acc | new path test acc | old fit s | new fit s |", "|---:|---:|---:|---:|---:|"]
    accs = {"old": [], "new": []}
    for seed in seeds:
        new = ExperimentConfig().replace(train={"seed": seed})
        prep = prepare(new)
        r = {name: measure(f"seed {seed}, {name} path", cfg, prep)
             for name, cfg in (("old", new.replace(train=OLD_TRAIN)), ("new", new))}
        for name in r:
            accs[name].append(r[name].test_acc)
        lines.append(f"| {seed} | {r['old'].test_acc:.3f} | {r['new'].test_acc:.3f} | {r['old'].fit_s:.1f} | "
                     f"{r['new'].fit_s:.1f} |")
    lines += ["", f"Mean test accuracy old {np.mean(accs['old']):.3f}, new {np.mean(accs['new']):.3f} (classroom "
                  f"default, bundled split; old: batch 64 padded, new: bucketed, batch 256). Measured "
                  f"{time.strftime('%Y-%m-%d %H:%M')}, {load()}."]
    text = "\n".join(lines)
    print(text)
    update_section("Training speed: accuracy", text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-full", action="store_true", help="leave out the full 25,000-review dataset")
    ap.add_argument("--seeds", type=int, nargs="+", help="only compare test accuracy old vs new for these seeds")
    ap.add_argument("--command", action="store_true", help="only time the whole train command")
    args = ap.parse_args()
    if args.command:
        command_only()
    elif args.seeds:
        accuracy(args.seeds)
    else:
        speed(args)


if __name__ == "__main__":
    main()
