"""How fast reviews are cleaned: our Cleaner against the tutorial's own clean_text (issue 3, item 12).

Loads N real reviews (default 10,000: the bundled ``assets/imdb_sample.jsonl.gz``, train then test;
``--data`` reads another source, e.g. ``../shared/data/aclImdb_v1.tar.gz``), then measures:

- our ``Cleaner`` on all N in a fresh Python process, load time included (import, WordNet verb
  index, stopwords), in the tutorial's mode and with the default config;
- the tutorial's ``clean_text`` (``bench/tutorial_reference.py``) on the first ``--tutorial-n``
  reviews, per review, after one warm-up call that loads WordNet (reported apart);
- reloading the N cleaned reviews from the disk cache in a fresh process.

The ratio is the tutorial's time per review over ours (cold process, whole process time / N).
Also checks that tutorial mode gives the tutorial's tokens on the timed reviews. Prints a table
and writes the "Cleaning" section of ``bench/results.md``. Needs NLTK_DATA (../shared/nltk_data).

    python bench/bench_cleaning.py [-n 10000] [--tutorial-n 200] [--data PATH] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NLTK_DATA = REPO.parent / "shared" / "nltk_data"
TARGET_COLD_S, TARGET_RATIO, TARGET_RELOAD_S = 5.0, 100.0, 1.0
PRESETS = {"tutorial": {"html_as_space": False, "keep_negations": False}, "default": {}}

sys.path.insert(0, str(REPO))
if NLTK_DATA.is_dir():
    os.environ.setdefault("NLTK_DATA", str(NLTK_DATA))


def load_reviews(n: int, data: Path | None) -> tuple[list[str], str]:
    """The first n reviews (train, then test) of the bundled sample or of ``data``, and their source."""
    from lstm_core.config import DataConfig
    from lstm_core.data import load_dataset

    dataset = load_dataset(DataConfig(source=str(data) if data else "bundled"))
    texts = list(dataset.train.texts + dataset.test.texts)[:n]
    if len(texts) < n:
        raise SystemExit(f"only {len(texts)} reviews in {dataset.name}, {n} asked")
    return texts, dataset.name


# ----------------------------------------------------------------------------- fresh processes

def _child(task: str, texts_file: str, preset: str, cache_dir: str) -> None:
    """Runs in a fresh interpreter: reads the texts, then times import + load + work."""
    texts = json.loads(Path(texts_file).read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    from lstm_core.config import PreprocessConfig
    from lstm_core.preprocessing import Cleaner, clean_corpus

    cfg = PreprocessConfig(**PRESETS[preset])
    if task == "clean":
        cleaner = Cleaner(cfg)
        tokens = cleaner.clean_many(texts)
        warnings = cleaner.warnings
    else:
        tokens = clean_corpus(texts, cfg, cache_dir=cache_dir)
        warnings = []
    elapsed = time.perf_counter() - t0
    print(json.dumps({"seconds": elapsed, "tokens": sum(map(len, tokens)), "warnings": warnings}))


def in_fresh_process(task: str, texts_file: Path, preset: str, cache_dir: Path) -> dict:
    """Runs ``_child`` in a new interpreter; adds the whole process's wall time."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child", task, "--texts-file", str(texts_file),
                          "--preset", preset, "--cache-dir", str(cache_dir)],
                         check=True, capture_output=True, text=True)
    result = json.loads(out.stdout)
    result["process_seconds"] = time.perf_counter() - t0
    return result


# ----------------------------------------------------------------------------- the tutorial

def time_tutorial(texts: list[str]) -> dict:
    t0 = time.perf_counter()
    import bench.tutorial_reference as ref

    ref.clean_text("warm up: loads WordNet")
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    outputs = [ref.clean_text(t).split() for t in texts]
    per_review = (time.perf_counter() - t0) / len(texts)
    return {"load_seconds": load, "per_review": per_review, "outputs": outputs}


def measure(n: int, tutorial_n: int, data: Path | None) -> dict:
    from lstm_core.config import PreprocessConfig
    from lstm_core.preprocessing import Cleaner

    texts, source = load_reviews(n, data)
    with tempfile.TemporaryDirectory() as tmp:
        texts_file = Path(tmp, "texts.json")
        texts_file.write_text(json.dumps(texts), encoding="utf-8")
        ours = {p: in_fresh_process("clean", texts_file, p, Path(tmp)) for p in PRESETS}
        in_fresh_process("reload", texts_file, "default", Path(tmp))  # writes the cache
        reload = in_fresh_process("reload", texts_file, "default", Path(tmp))
    tutorial = time_tutorial(texts[:tutorial_n])
    same = tutorial["outputs"] == Cleaner(PreprocessConfig(**PRESETS["tutorial"])).clean_many(texts[:tutorial_n])
    return {"n": n, "source": source, "ours": ours, "reload": reload, "tutorial": tutorial,
            "tutorial_n": tutorial_n, "same_output": same, "chars": sum(map(len, texts))}


def to_markdown(r: dict) -> str:
    n, ours, tut = r["n"], r["ours"], r["tutorial"]
    ratio = tut["per_review"] / (ours["tutorial"]["process_seconds"] / n)
    lines = [
        f"{n:,} reviews ({r['chars'] / n:,.0f} characters on average) from {r['source']}; "
        f"{os.cpu_count()} CPU cores, one process, Python {platform.python_version()}.",
        "",
        "| what | reviews | whole process | import + load + clean | per review |",
        "|---|---:|---:|---:|---:|",
    ]
    for preset, label in (("tutorial", "Cleaner, tutorial mode, fresh process"),
                          ("default", "Cleaner, default config, fresh process")):
        o = ours[preset]
        lines.append(f"| {label} | {n:,} | {o['process_seconds']:.2f} s | {o['seconds']:.2f} s | "
                     f"{1000 * o['process_seconds'] / n:.3f} ms |")
    rl = r["reload"]
    lines.append(f"| `clean_corpus` cache reload, fresh process | {n:,} | {rl['process_seconds']:.2f} s | "
                 f"{rl['seconds']:.2f} s | {1000 * rl['seconds'] / n:.3f} ms |")
    lines.append(f"| tutorial `clean_text` (+ {tut['load_seconds']:.1f} s to load WordNet once) | "
                 f"{r['tutorial_n']:,} | | {tut['per_review'] * r['tutorial_n']:.1f} s | "
                 f"{1000 * tut['per_review']:.1f} ms |")
    lines += [
        "",
        f"- **Ratio: {ratio:,.0f}x** faster than the tutorial per review (its time per review over ours, "
        f"whole fresh process, tutorial mode) — target ≥ {TARGET_RATIO:.0f}x. At its pace the tutorial "
        f"needs {tut['per_review'] * n / 60:.1f} min for the {n:,} reviews.",
        f"- Cold cleaning target ≤ {TARGET_COLD_S:.0f} s: "
        f"{'met' if ours['tutorial']['process_seconds'] <= TARGET_COLD_S else 'MISSED'}; "
        f"cache reload target < {TARGET_RELOAD_S:.0f} s: "
        f"{'met' if rl['seconds'] < TARGET_RELOAD_S else 'MISSED'}.",
        f"- Tutorial mode gives the tutorial's tokens on the {r['tutorial_n']} timed reviews: "
        f"{'yes' if r['same_output'] else 'NO'}.",
        "",
        "Made by `python bench/bench_cleaning.py`.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="reviews cleaned by our Cleaner")
    parser.add_argument("--tutorial-n", type=int, default=200, help="reviews timed with the tutorial's code")
    parser.add_argument("--data", type=Path, default=None, help="aclImdb_v1.tar.gz to read instead of the sample")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md")
    parser.add_argument("--child", choices=["clean", "reload"], help=argparse.SUPPRESS)
    parser.add_argument("--texts-file", help=argparse.SUPPRESS)
    parser.add_argument("--preset", choices=list(PRESETS), default="default", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.texts_file, args.preset, args.cache_dir)
        return 0

    r = measure(args.n, min(args.tutorial_n, args.n), args.data)
    markdown = to_markdown(r)
    print(markdown)
    for preset, o in r["ours"].items():
        for w in o["warnings"]:
            print(f"warning ({preset}): {w}", file=sys.stderr)
    ratio = r["tutorial"]["per_review"] / (r["ours"]["tutorial"]["process_seconds"] / r["n"])
    ok = (r["same_output"] and ratio >= TARGET_RATIO and r["ours"]["tutorial"]["process_seconds"] <= TARGET_COLD_S
          and r["reload"]["seconds"] < TARGET_RELOAD_S)
    if not args.no_write:
        from bench._results import update_section

        update_section("Cleaning", markdown)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
