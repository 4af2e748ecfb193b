"""Record in a saved run how its text was cleaned (``info.cleaning`` in history.json), without retraining.

Runs saved by lstm_core 0.1.0 before runs recorded their cleaning recipe (assets/default_run among
them) are read with the recipe their code used (``CleaningRecipe.of_run``); this writes that recipe
into the run, so the run says it itself. Only history.json changes, by that one key (the JSON is
written as ``save_run`` writes it, so running this twice changes nothing). ``--verify`` first checks
the recipe against the run: cleaning the run's training reviews with it must give exactly the run's
vocabulary (words and counts).

    python scripts/record_cleaning.py [--verify] [RUN_DIR]     # default: assets/default_run
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lstm_core.config import ExperimentConfig  # noqa: E402
from lstm_core.data import load_dataset  # noqa: E402
from lstm_core.preprocessing import Cleaner, CleaningRecipe  # noqa: E402
from lstm_core.vocabulary import Vocabulary  # noqa: E402


def vocabulary_matches(run_dir: Path, cfg: ExperimentConfig, recipe: CleaningRecipe) -> bool:
    """Whether the run's training reviews, cleaned with ``recipe``, give the run's vocabulary."""
    cleaner = Cleaner(cfg.preprocess, recipe)
    if not cleaner.exact:
        print("\n".join(cleaner.problems), file=sys.stderr)
        return False
    tokens = cleaner.clean_many(list(load_dataset(cfg.data).train.texts))
    fitted = Vocabulary(max_size=cfg.sequence.max_vocab).fit(tokens).to_dict()
    saved = json.loads((run_dir / "vocabulary.json").read_text(encoding="utf-8"))
    return fitted["words"] == saved["words"] and fitted["counts"] == saved["counts"]


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--verify"]
    run_dir = Path(args[0]) if args else ROOT / "assets" / "default_run"
    history_path = run_dir / "history.json"
    history = json.loads(history_path.read_text(encoding="utf-8"))
    cfg = ExperimentConfig.from_dict(json.loads((run_dir / "config.json").read_text(encoding="utf-8")))
    info = history.setdefault("info", {})
    recipe = CleaningRecipe.of_run(cfg.preprocess, info)
    if "--verify" in sys.argv[1:]:
        if not vocabulary_matches(run_dir, cfg, recipe):
            print(f"error: {run_dir.name}: cleaning its training reviews with {recipe} does not give its "
                  "vocabulary; nothing written", file=sys.stderr)
            return 1
        print(f"{run_dir.name}: its training reviews cleaned with the recipe give its vocabulary exactly")
    info["cleaning"] = recipe.to_dict()
    history_path.write_text(json.dumps(history, indent=1), encoding="utf-8")
    print(f"{history_path}: info.cleaning = {json.dumps(info['cleaning'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
