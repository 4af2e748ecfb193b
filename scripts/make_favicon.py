"""Write assets/favicon.svg: the browser tab's icon, served by the app itself (nothing is fetched).

A cell-state line running across the tile with two gates hanging from it, in the app's teal
(.streamlit/config.toml's primaryColor). Running this again reproduces the file byte for byte.

    python scripts/make_favicon.py
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEAL = "#0E7C86"

SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
<rect width="64" height="64" rx="14" fill="{TEAL}"/>
<path d="M8 20H56M22 20V34M42 20V34" stroke="#FFFFFF" stroke-width="5" stroke-linecap="round"/>
<circle cx="22" cy="42" r="8" fill="none" stroke="#FFFFFF" stroke-width="4.5"/>
<circle cx="42" cy="42" r="9" fill="#FFFFFF"/>
</svg>
"""


def main() -> None:
    out = ROOT / "assets" / "favicon.svg"
    out.write_text(SVG, encoding="utf-8")
    print(f"{out}: {len(SVG)} bytes")


if __name__ == "__main__":
    main()
