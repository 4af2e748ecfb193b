"""Write assets/wordnet_verbs.txt: WordNet's verbs and irregular verb forms, with WordNet's licence.

The verb lemmatizer (lstm_core/lemmatizer.py) reads this table, so lemmatizing needs no NLTK data;
NLTK's WordNet, when present, gives the same table (a test checks both give the same lemmas). The
file is sorted and carries no date, so running this again on the same WordNet reproduces it byte for
byte (``--check`` says whether it does).

    python scripts/make_wordnet_verbs.py [--check] [path/to/nltk_data]
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lstm_core.lemmatizer import WORDNET_ASSET, VerbLemmatizer  # noqa: E402
from lstm_core.nltk_data import find_corpus, read_corpus_files  # noqa: E402

MEMBERS = VerbLemmatizer.FILES + ("LICENSE",)


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--check"]
    nltk_data = Path(args[0]) if args else ROOT.parent / "shared" / "nltk_data"
    location = find_corpus("wordnet", MEMBERS, paths=[str(nltk_data)])
    if location is None:
        print(f"error: no corpora/wordnet (with {', '.join(MEMBERS)}) in {nltk_data}", file=sys.stderr)
        return 2
    texts = read_corpus_files(location, "wordnet", MEMBERS)
    lem = VerbLemmatizer.from_wordnet(texts["index.verb"], texts["verb.exc"])
    text = lem.to_asset(texts["LICENSE"])
    if "--check" in sys.argv[1:]:
        same = WORDNET_ASSET.is_file() and WORDNET_ASSET.read_bytes() == text.encode("utf-8")
        print(f"{WORDNET_ASSET}: {'reproduced byte for byte' if same else 'DIFFERS from a fresh build'}")
        return 0 if same else 1
    WORDNET_ASSET.write_bytes(text.encode("utf-8"))
    print(f"{WORDNET_ASSET}: WordNet {lem.version}, {len(lem.verbs):,} verbs, {len(lem.exceptions):,} "
          f"irregular forms, digest {lem.digest}, {len(text.encode('utf-8')):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
