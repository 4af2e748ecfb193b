"""``python -m lstm_core``: train, evaluate, predict, trace gates and the TF-IDF baseline from a shell.

Results go to stdout (JSON where a program may read them), progress and errors
to stderr. A user mistake prints one ``error:`` line and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Sequence

from .config import CELLS, KEEP_ENDS, MONITORS, POOLINGS, ExperimentConfig
from .data import load_dataset, load_folder
from .embeddings import save_npz
from .encoding import run_cleaner
from .errors import LstmLabError
from .evaluation import classification_metrics
from .limits import estimate_training, training_reviews
from .pipeline import prepare, train_run
from .probes import load_probes, score_baseline, score_run
from .runs import load_run, save_run
from .theory_cli import add_theory_commands
from .training import NullListener

# CLI flag -> (config section, field, type, help). One table drives both the
# parser and the mapping onto ExperimentConfig, so they cannot drift apart.
TRAIN_FLAGS: list[tuple[str, str, str, Any, str]] = [
    ("--per-class", "data", "per_class", int, "reviews per class and split (default: all)"),
    ("--every-k", "data", "every_k", int, "keep every k-th review (the tutorial used 5)"),
    ("--data-seed", "data", "seed", int, "seed of the subsample"),
    ("--min-word-len", "preprocess", "min_word_len", int, "drop shorter words (tutorial: 3)"),
    ("--vocab", "sequence", "max_vocab", int, "vocabulary size"),
    ("--max-len", "sequence", "max_len", int, "tokens kept per review"),
    ("--keep", "sequence", "keep", KEEP_ENDS, "which end of a long review to keep"),
    ("--cell", "model", "cell", CELLS, "recurrent cell"),
    ("--embedding-dim", "model", "embedding_dim", int, "embedding size"),
    ("--units", "model", "units", int, "recurrent units"),
    ("--pooling", "model", "pooling", POOLINGS, "head reads the last state or the mean over words"),
    ("--dense-units", "model", "dense_units", int, "units of the dense layer"),
    ("--dropout", "model", "dropout", float, "dropout before the output layer"),
    ("--l1", "model", "l1", float, "L1 penalty on the dense kernel"),
    ("--l2", "model", "l2", float, "L2 penalty on the dense kernel"),
    ("--lr", "train", "learning_rate", float, "Adam learning rate"),
    ("--batch-size", "train", "batch_size", int, "batch size"),
    ("--epochs", "train", "max_epochs", int, "maximum epochs (early stopping may end sooner)"),
    ("--patience", "train", "patience", int, "early-stopping patience in epochs"),
    ("--monitor", "train", "monitor", MONITORS, "what early stopping watches"),
    ("--val-split", "train", "validation_split", float, "share of training reviews held out"),
    ("--seed", "train", "seed", int, "seed of initialisation, split and shuffling"),
]
PRESETS = {"default": ExperimentConfig, "best": ExperimentConfig.best, "tutorial": ExperimentConfig.tutorial}
SWITCHES = [  # (flag for off, section, field)
    ("--no-html-strip", "preprocess", "strip_html"),
    ("--no-lemmatize", "preprocess", "lemmatize"),
    ("--no-stopwords", "preprocess", "remove_stopwords"),
    ("--no-keep-negations", "preprocess", "keep_negations"),
    ("--no-restore-best", "train", "restore_best"),
    ("--no-bucketing", "train", "bucketing"),  # every batch padded to max_len: the path before issue 16
]


def _add_train_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", choices=tuple(PRESETS), default="default",
                   help="start from the classroom defaults, the most accurate configuration found "
                        "(best), or the tutorial's settings")
    for flag, section, name, kind, text in TRAIN_FLAGS:
        if isinstance(kind, tuple):
            p.add_argument(flag, choices=kind, default=None, help=text)
        else:
            p.add_argument(flag, type=kind, default=None, help=text)
    for flag, section, name in SWITCHES:
        p.add_argument(flag, action="store_true", help=f"turn off {section}.{name}")
    p.add_argument("--embedding", default=None, metavar="random|word2vec[:PATH]",
                   help="embedding start: random, the bundled IMDB word2vec, or word2vec:PATH to a "
                        "vector file (.bin[.gz], .txt/.vec, .npz; never pickle-based gensim .kv)")
    fz = p.add_mutually_exclusive_group()
    fz.add_argument("--freeze-embedding", action="store_true", help="keep the embedding fixed")
    fz.add_argument("--train-embedding", action="store_true", help="fine-tune the embedding")


def config_from_args(args: argparse.Namespace) -> ExperimentConfig:
    cfg = PRESETS[args.preset]()
    changes: dict[str, dict[str, Any]] = {}
    if args.data:
        changes.setdefault("data", {})["source"] = args.data
    for flag, section, name, _, _ in TRAIN_FLAGS:
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is not None:
            changes.setdefault(section, {})[name] = value
    for flag, section, name in SWITCHES:
        if getattr(args, flag[2:].replace("-", "_")):
            changes.setdefault(section, {})[name] = False
    model = changes.setdefault("model", {})
    if args.embedding is not None:
        kind, _, path = args.embedding.partition(":")
        if kind not in ("random", "word2vec") or (kind == "random" and path):
            raise LstmLabError(f"--embedding must be random, word2vec or word2vec:PATH, got {args.embedding!r}")
        model["embedding_init"], model["embedding_path"] = kind, path or None
        if kind == "random" and not args.freeze_embedding:
            model["embedding_trainable"] = True  # a frozen random embedding learns nothing
    if args.freeze_embedding or args.train_embedding:
        model["embedding_trainable"] = bool(args.train_embedding)
    return cfg.replace(**changes)


class ProgressBar(NullListener):
    """A text progress bar on stderr; one line per epoch when stderr is not a terminal."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0

    def on_train_begin(self, info) -> None:
        self.info = info
        self.stream.write(f"training on {info.train_size} reviews, validating on {info.val_size}, "
                          f"up to {info.epochs} epochs of {info.batches_per_epoch} batches\n")

    def on_batch_end(self, u) -> None:
        now = time.perf_counter()
        if not self.tty or now - self.last < 0.2:
            return
        self.last = now
        done = (u.epoch * u.batches_per_epoch + u.batch + 1) / (self.info.epochs * u.batches_per_epoch)
        width = 30
        bar = "#" * int(width * (u.batch + 1) / u.batches_per_epoch)
        left = u.elapsed * (1 - done) / done  # at this pace, if every epoch runs
        self.stream.write(f"\repoch {u.epoch + 1}/{self.info.epochs} [{bar:<{width}}] "
                          f"batch {u.batch + 1}/{u.batches_per_epoch} loss {u.loss:.3f} "
                          f"{u.elapsed:.0f}s ({done:.0%} of max, at most {left:.0f}s left)")
        self.stream.flush()

    def on_epoch_end(self, u) -> None:
        logs = u.logs
        self.stream.write(("\r" if self.tty else "") +
                          f"epoch {u.epoch + 1}: loss {logs.get('loss', 0):.4f} acc "
                          f"{logs.get('accuracy', 0):.4f} val_loss {logs.get('val_loss', 0):.4f} "
                          f"val_acc {logs.get('val_accuracy', 0):.4f} ({u.elapsed:.1f}s)" + " " * 20 + "\n")

    def should_stop(self) -> bool:
        return False


class _StageProgress:
    """Data preparation progress: a rewritten line on a terminal, one line per stage otherwise."""

    def __init__(self, stream=sys.stderr):
        self.stream, self.tty, self.stage = stream, stream.isatty(), None

    def __call__(self, what: str, fraction: float) -> None:
        if self.tty:
            self.stream.write(f"\r{what}: {fraction:.0%}   " + ("\n" if fraction >= 1.0 else ""))
        elif what != self.stage:
            self.stream.write(f"{what}\n")
        self.stage = what
        self.stream.flush()


def cmd_train(args) -> int:
    cfg = config_from_args(args)
    reviews = training_reviews(cfg)
    est = estimate_training(cfg, reviews)
    print(f"estimated {est.seconds / cfg.train.max_epochs:.0f}s per epoch on {reviews:,} reviews, at most "
          f"{est.seconds:.0f}s if all {cfg.train.max_epochs} epochs run (on 2 quiet cores)", file=sys.stderr)
    run = train_run(cfg, ProgressBar(), name=args.name or None, with_baseline=not args.no_baseline,
                    progress=_StageProgress())
    path = save_run(run, args.out)
    print(json.dumps({"run": str(path), "info": run.info.to_dict(), "metrics": run.metrics.to_dict()}, indent=2))
    return 0


def _cleaning_problems(run) -> list[str]:
    """What this machine cannot reproduce of how ``run``'s text was cleaned, said once on stderr."""
    problems = run_cleaner(run).problems
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return problems


def cmd_evaluate(args) -> int:
    run = load_run(args.run_dir)
    problems = _cleaning_problems(run)
    if args.data:
        split = load_folder(args.data)
    else:

        split = load_dataset(run.config.data).test
    metrics = classification_metrics(split.labels, run.predict(list(split.texts)))
    out = {"run": str(args.run_dir), "data": args.data or run.config.data.source, **metrics.to_dict()}
    if getattr(split, "warnings", ()) or problems:
        out["warnings"] = list(getattr(split, "warnings", ())) + problems
    print(json.dumps(out, indent=2))
    return 0


def cmd_predict(args) -> int:
    texts = list(args.text)
    if not any(t.strip() for t in texts):
        raise LstmLabError("text is empty: give at least one review to score")
    run = load_run(args.run_dir)
    _cleaning_problems(run)
    for text, p in zip(texts, run.predict(texts)):
        print(json.dumps({"text": text[:80], "p_positive": round(float(p), 4)}) if len(texts) > 1
              else f"{float(p):.4f}")
    return 0


def cmd_gates(args) -> int:
    from .explain import explain

    run = load_run(args.run_dir)
    out = {"run": str(args.run_dir), **explain(run, args.text).to_dict(args.digits)}
    print(json.dumps(out, ensure_ascii=False))
    return 0


def cmd_probes(args) -> int:
    run = load_run(args.run_dir)
    _cleaning_problems(run)
    probes = load_probes()
    out = {"run": str(args.run_dir), "probes": len(probes), **score_run(run, probes).to_dict()}
    if args.baseline:
        cfg = run.config.replace(data={"source": args.data}) if args.data else run.config
        out["baseline"] = score_baseline(prepare(cfg, progress=_StageProgress()), probes, cfg.train.seed).to_dict()
    print(json.dumps(out, indent=2))
    return 0


def cmd_word2vec(args) -> int:
    from .word2vec import Word2VecConfig, corpus_tokens, top_words, train_word2vec

    cfg = Word2VecConfig(dim=args.dim, window=args.window, min_count=args.min_count, epochs=args.epochs,
                         seed=args.seed, workers=args.workers)
    tokens = corpus_tokens(args.data, include_unsup=not args.no_unsup, progress=_StageProgress())
    vectors = train_word2vec(tokens, cfg, progress=lambda d, n: print(f"word2vec epoch {d}/{n}", file=sys.stderr))
    kept = top_words(vectors, args.max_words)
    path = save_npz(kept, args.out, dtype="float16" if args.float16 else "float32")
    print(json.dumps({"out": str(path), "reviews": len(tokens), "words_learned": len(vectors.words),
                      "words_kept": len(kept.words), "dim": kept.dim}, indent=2))
    return 0


def cmd_baseline(args) -> int:
    cfg = config_from_args(args)
    prep = prepare(cfg, progress=_StageProgress())
    res = prep.baseline(cfg.train.seed)
    print(json.dumps({"data": prep.dataset.name, **res.metrics.to_dict(), "seconds": round(res.seconds, 2),
                      "features": res.features}, indent=2))
    return 0


def cmd_precompute(args) -> int:
    from .run_store import RunStore, precompute, read_lesson

    configs = read_lesson(args.file)
    done = precompute(configs, RunStore(args.store), listener=ProgressBar(),
                      say=lambda text: print(text, file=sys.stderr, flush=True))
    print(json.dumps({"runs": [{"run": str(path), "trained": trained} for path, trained in done]}, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m lstm_core",
        description="LSTM Lab from the command line: train an LSTM sentiment classifier on IMDB "
                    "reviews, evaluate it, score texts, and compute the TF-IDF baseline.",
        epilog="Data: 'bundled' (default) is the 5,000 + 5,000 review sample shipped in assets/; "
               "otherwise give aclImdb_v1.tar.gz, an extracted aclImdb/ folder or a folder with pos/ "
               "and neg/ subfolders. 'full' means the path in $LSTM_LAB_IMDB.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = sub.add_parser("train", help="train a model and save the run directory",
                       description="Train and save a run (config, vocabulary, weights, curves, metrics).")
    t.add_argument("--out", required=True, help="run directory to write (replaced atomically)")
    t.add_argument("--data", default=None, help="data source (default: bundled)")
    t.add_argument("--name", default="", help="a name for the run")
    t.add_argument("--no-baseline", action="store_true", help="skip the TF-IDF baseline")
    _add_train_flags(t)
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evaluate", help="metrics of a run as JSON",
                       description="Accuracy, precision, recall, F1 and confusion matrix as JSON. Without "
                                   "--data, on the test split of the run's own data.")
    e.add_argument("run_dir")
    e.add_argument("--data", default=None, help="a folder with pos/ and neg/ .txt files (or aclImdb test/)")
    e.set_defaults(func=cmd_evaluate)

    pr = sub.add_parser("predict", help="probability that a text is positive",
                        description="Print P(positive) for each text, cleaned as in training.")
    pr.add_argument("run_dir")
    pr.add_argument("text", nargs="+")
    pr.set_defaults(func=cmd_predict)

    g = sub.add_parser("gates", help="gates, states and P(positive) at every token of a text, as JSON",
                       description="Clean a text as in training and trace it through the run's recurrent "
                                   "layer: the words kept, unknown, dropped or cut, every gate and state per "
                                   "token (null where no gate ran) and P(positive) after each token.")
    g.add_argument("run_dir")
    g.add_argument("--text", required=True, help="the review to trace (quote it)")
    g.add_argument("--digits", type=int, default=6, help="decimals of the numbers (default 6)")
    g.set_defaults(func=cmd_gates)

    pb = sub.add_parser("probes", help="accuracy per category on the teaching probes, as JSON",
                        description="Score a run on assets/probes.tsv (plain, negation, double negation, "
                                    "contrast, long verdict, intensifier) and print the share right per "
                                    "category; --baseline adds TF-IDF + logistic regression fitted on the "
                                    "run's own training reviews.")
    pb.add_argument("run_dir")
    pb.add_argument("--baseline", action="store_true", help="also score the same-split bag of words")
    pb.add_argument("--data", default=None, help="where the run's training data is, if not at its recorded source")
    pb.set_defaults(func=cmd_probes)

    w = sub.add_parser("word2vec", help="train word2vec on IMDB reviews and save it (.npz)",
                       description="Train gensim word2vec on the training reviews of --data (labels unused) "
                                   "plus its unlabelled reviews, cleaned like the classifier's input. "
                                   "Use the result with: train --embedding word2vec:OUT.npz")
    w.add_argument("--out", required=True, help="file to write (.npz)")
    w.add_argument("--data", default="bundled", help="data source (default: bundled; 'full' or a path "
                                                      "to the tarball adds the 50,000 unlabelled reviews)")
    w.add_argument("--no-unsup", action="store_true", help="leave out the unlabelled reviews")
    w.add_argument("--dim", type=int, default=128, help="vector size (must equal the model's embedding size)")
    w.add_argument("--window", type=int, default=5)
    w.add_argument("--min-count", type=int, default=3, help="ignore rarer words")
    w.add_argument("--epochs", type=int, default=5)
    w.add_argument("--seed", type=int, default=1)
    w.add_argument("--workers", type=int, default=2, help="threads (1 makes the result reproducible)")
    w.add_argument("--max-words", type=int, default=30_000, help="keep the most frequent words")
    w.add_argument("--float16", action="store_true", help="store half-precision (half the file)")
    w.set_defaults(func=cmd_word2vec)

    b = sub.add_parser("baseline", help="TF-IDF + logistic regression on the same split",
                       description="Accuracy of TF-IDF + logistic regression on the train/test split "
                                   "the LSTM would see.")
    b.add_argument("--data", default=None, help="data source (default: bundled)")
    _add_train_flags(b)
    b.set_defaults(func=cmd_baseline)

    pc = sub.add_parser("precompute", help="train a lesson's configs into the run store, for the class to replay",
                        description="Train every config of a JSON list (each like a run's config.json; "
                                    "omitted fields take the defaults) not stored yet, into the store the "
                                    "app serves identical trainings from (lstm_core.run_store).")
    pc.add_argument("file", help="the lesson file: a JSON list of configs")
    pc.add_argument("--store", default=None, help="the run store (default: $LSTM_LAB_RUNS or ~/.cache/lstm_lab/runs)")
    pc.set_defaults(func=cmd_precompute)

    add_theory_commands(sub)  # memory, gradients (lstm_core.theory_cli)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as e:  # LstmLabError for data and runs; config validation names the field
        print(f"\nerror: {e}" if sys.stderr.isatty() else f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
