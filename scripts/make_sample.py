"""Write assets/imdb_sample.jsonl.gz, the bundled sample, from the full IMDB tarball.

    python scripts/make_sample.py [PATH_TO_aclImdb_v1.tar.gz] [--out FILE]

The path defaults to $LSTM_LAB_IMDB, else ../shared/data/aclImdb_v1.tar.gz beside the repo.
The sample is the tutorial's split size: 5,000 train + 5,000 test raw reviews (HTML kept), 2,500 per
class per split. Like the tutorial it keeps every 5th review, after a shuffle seeded with 0
(``lstm_core.data.subsample``), so ``load_dataset(DataConfig(source=TARBALL, every_k=5))`` gives the
same reviews. One JSON object per line {"split", "label", "id", "text"}, gzip level 9, written to a
temporary file and renamed; the same tarball always gives the same bytes.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lstm_core.config import DataConfig  # noqa: E402
from lstm_core.data import BUNDLED_PATH, ENV_VAR, load_dataset, write_jsonl  # noqa: E402
from lstm_core.errors import DataError  # noqa: E402

PER_CLASS = 2_500
EVERY_K = 5  # 12,500 per class per split in the full dataset -> 2,500, as in the tutorial
SEED = 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tarball", nargs="?", help=f"aclImdb_v1.tar.gz (default: ${ENV_VAR} or "
                        "../shared/data/aclImdb_v1.tar.gz)")
    parser.add_argument("--out", default=str(BUNDLED_PATH), help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    source = (args.tarball or os.environ.get(ENV_VAR)
              or str(ROOT.parent / "shared" / "data" / "aclImdb_v1.tar.gz"))
    try:
        dataset = load_dataset(DataConfig(source=source, every_k=EVERY_K, per_class=PER_CLASS, seed=SEED))
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for name in ("train", "test"):
        counts = getattr(dataset, name).counts()
        if counts != {"pos": PER_CLASS, "neg": PER_CLASS}:
            print(f"error: {source} gave {counts} in {name}, expected {PER_CLASS:,} per class "
                  f"(is it the full aclImdb_v1.tar.gz?)", file=sys.stderr)
            return 1
    out = write_jsonl(dataset, args.out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB) from {source}")
    for name in ("train", "test"):
        split = getattr(dataset, name)
        print(f"  {name}: {len(split):,} reviews {split.counts()}")
    for warning in dataset.warnings:
        print(f"  warning: {warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
