"""Write core/type_model.json: word counts per case type from the development half (tests/realmail).

`python -m tests.train_type` after adding labelled mails to tests/realmail. Only the development
half is read: tests/eval and tests/holdout are never training data (docs/checklist.md). Each mail
is prepared exactly as reading prepares it (blocks, typos put right), and the text the type is
told from is what the model counts. Auto-replies and mails of a known case carry no type of their
own and are left out.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.casetypes import parse_case_types  # noqa: E402
from ingest.automatic import automatic_reason  # noqa: E402
from ingest.classify import read_blocks  # noqa: E402
from ingest.parse import ParsedMail, parse  # noqa: E402
from ingest.typemodel import MODEL_FILE, train  # noqa: E402
from tests.eval_score import OWN_DOMAINS, load_expectations  # noqa: E402

DEVELOPMENT = ROOT / "tests" / "realmail"


def own_mails(folder: Path = DEVELOPMENT) -> Iterator[tuple[dict[str, Any], ParsedMail]]:
    """Each labelled mail of the folder that has a type of its own (no auto-reply, no mail of a
    known case), parsed, with its expectations."""
    for expect in load_expectations(folder):
        if expect.get("automatic") or expect.get("known_type"):
            continue
        mail = parse((folder / expect["file"]).read_bytes())
        if not automatic_reason(mail, None, OWN_DOMAINS):
            yield expect, mail


def examples(folder: Path = DEVELOPMENT) -> list[tuple[str | None, str, str]]:
    """(type, subject, typed text) of every labelled mail of the folder that has a type of its own."""
    types = parse_case_types(None, "")
    out = []
    for expect, mail in own_mails(folder):
        text = read_blocks(mail, types, OWN_DOMAINS)
        out.append((expect.get("case_type"), text.subject, text.typed))
    return out


def model_text(folder: Path = DEVELOPMENT) -> str:
    """The model file's text: one word per line, so that a retraining reads as a diff."""
    data = train(examples(folder))
    rows = ",\n".join(f"  {json.dumps(word)}: {json.dumps(counts)}" for word, counts in data["words"].items())
    return (f'{{"types": {json.dumps(data["types"])},\n "mails": {json.dumps(data["mails"])},\n'
            f' "words": {{\n{rows}\n }}}}\n')


def main() -> int:
    MODEL_FILE.write_text(model_text(), encoding="utf-8")
    print(f"{MODEL_FILE}: {len(json.loads(MODEL_FILE.read_text(encoding='utf-8'))['words'])} words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
