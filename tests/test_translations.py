"""Every message a person reads has its French translation, and the catalogue is not stale."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.conftest import PROJECT_ROOT
from tests.test_architecture import PACKAGES

KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "_n": (1, 2),
    "N_": None,
}
CATALOGUE = PROJECT_ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


def extracted_messages() -> dict[str, str]:
    """msgid -> where it was first found, from the sources as `make translations` extracts them."""
    with (PROJECT_ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, str] = {}
    for folder in (*PACKAGES, "templates"):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            PROJECT_ROOT / folder, method_map, options_map, keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault(msgid, f"{folder}/{filename}:{lineno}")
    return found


def test_every_message_has_a_french_translation_and_none_is_stale():
    extracted = extracted_messages()
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po, locale="fr")
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in catalogue if m.id}
    missing = [
        f"{where}: {msgid!r}"
        for msgid, where in extracted.items()
        if msgid not in translated
        or translated[msgid].fuzzy
        or not all(
            translated[msgid].string
            if isinstance(translated[msgid].string, tuple)
            else [translated[msgid].string]
        )
    ]
    stale = sorted(set(translated) - set(extracted)) + [m.id for m in catalogue.obsolete.values()]
    assert not missing, (
        f"{len(missing)} message(s) without a French translation (make translations):\n"
        + "\n".join(missing[:40])
    )
    assert not stale, (
        f"{len(stale)} catalogue entry(ies) no longer in the code (make translations): {stale[:20]}"
    )
