#!/usr/bin/env bash
# How assets/fonts/NotoSansSC-GB2312.otf was made (run again only to change the character set).
#
# Source: Noto Sans CJK SC Regular, from Debian's fonts-noto-cjk (SIL Open Font License 1.1,
# assets/fonts/OFL.txt). Kept: all of GB2312 (6,763 hanzi plus its symbols, punctuation and
# full-width forms), printable ASCII, CJK punctuation and a few marks used on certificates.
# The PDF renderer (krilla) subsets this file again per document, so only used glyphs ship.
#
# Needs: apt-get install -y fonts-noto-cjk; fonttools in a throwaway venv (not a project dependency):
#   python3 -m venv /tmp/ft && /tmp/ft/bin/pip install fonttools && PYFTSUBSET=/tmp/ft/bin/pyftsubset scripts/font-subset.sh
set -euo pipefail
cd "$(dirname "$0")/.."
src=${NOTO_CJK_TTC:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
out=assets/fonts/NotoSansSC-GB2312.otf
chars=$(mktemp)
trap 'rm -f "$chars"' EXIT
python3 - "$chars" <<'PY'
import sys
out = set(chr(c) for c in range(0x20, 0x7F))            # printable ASCII
out |= set(chr(c) for c in range(0x3000, 0x3040))        # CJK symbols and punctuation
out |= set("—–·…“”‘’•×÷±℃№■□●○★☆")
for hi in range(0xA1, 0xF8):                             # GB2312 rows 1-87 (symbols and hanzi)
    for lo in range(0xA1, 0xFF):
        try:
            out |= set(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
open(sys.argv[1], "w", encoding="utf-8").write("".join(sorted(out)))
PY
# Face 2 of the collection is Noto Sans CJK SC.
"${PYFTSUBSET:-pyftsubset}" "$src" --font-number=2 --text-file="$chars" \
  --layout-features='*' --name-IDs='*' --name-languages='*' --no-hinting --output-file="$out"
ls -l "$out"
