"""Write assets/lstm_cell.ja.svg: the Home page's LSTM cell drawing with its labels in Japanese.

The drawing itself is assets/lstm_cell.svg; this script swaps each English label for its Japanese
one, so the two never drift apart (redraw the English file, rerun this). A label that is no longer
in the English file stops the script, naming it.

    python scripts/make_cell_svg_ja.py
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# English label (as written in the SVG) -> Japanese label.
LABELS = {
    "<title id=\"title\">An LSTM cell</title>": "<title id=\"title\">LSTM のセル</title>",
    ("The memory c flows along the top. The forget gate scales the old memory, the input gate adds a\n"
     "    candidate, and the output gate decides how much of tanh(memory) becomes the new hidden state h."):
        ("記憶 c は上を流れます。忘却ゲートが古い記憶を縮め、入力ゲートが候補値を足し、出力ゲートが\n"
         "    tanh(記憶) のどれだけを新しい隠れ状態 h にするかを決めます。"),
    ">one time step: reads word x and the previous state (h, c)<": ">1 ステップ: 単語 x と一つ前の状態 (h, c) を読む<",
    ">memory (cell state)<": ">記憶（セル状態）<",
    ">forget f<": ">忘却 f<",
    ">input i<": ">入力 i<",
    ">candidate g<": ">候補値 g<",
    ">output o<": ">出力 o<",
    ">keep a share f<": ">古い記憶のうち<",
    ">of the old memory<": ">割合 f を残す<",
    ">write i × g<": ">i × g を書き込む<",
    ">show o of it<": ">その o を見せる<",
    ">to the next layer<": ">次の層へ<",
    'font-family="Source Sans Pro, Helvetica, Arial, sans-serif"':
        'font-family="Source Sans Pro, Helvetica, Arial, Noto Sans CJK JP, Hiragino Sans, Yu Gothic, sans-serif"',
}


def main() -> None:
    svg = (ROOT / "assets" / "lstm_cell.svg").read_text(encoding="utf-8")
    for english, japanese in LABELS.items():
        if english not in svg:
            raise SystemExit(f"not in assets/lstm_cell.svg any more: {english!r}")
        svg = svg.replace(english, japanese)
    out = ROOT / "assets" / "lstm_cell.ja.svg"
    out.write_text(svg, encoding="utf-8")
    print(f"{out}: {len(svg.encode())} bytes")


if __name__ == "__main__":
    main()
