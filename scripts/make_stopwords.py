"""Write assets/stopwords_english.txt: NLTK's English stopword list, one word a line.

Cleaning reads this copy (NLTK's own list only when the copy is missing), so it needs no NLTK data.

    python scripts/make_stopwords.py [path/to/nltk_data]
"""

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    nltk_data = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "nltk_data"
    folder = nltk_data / "corpora" / "stopwords"
    if (folder / "english").is_file():
        text = (folder / "english").read_text(encoding="utf-8")
    else:
        with zipfile.ZipFile(nltk_data / "corpora" / "stopwords.zip") as zf:
            text = zf.read("stopwords/english").decode("utf-8")
    out = ROOT / "assets" / "stopwords_english.txt"
    out.write_text(text, encoding="utf-8")
    print(f"{out}: {len(text.split())} words")


if __name__ == "__main__":
    main()
