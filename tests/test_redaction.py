"""Card-number redaction (console.redaction): examples and Hypothesis properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.fr import siren, siret

from console.domain import DomainError
from console.redaction import CARD_BRANDS, Redaction, clean_text, find_card_numbers, mask, redact_card_numbers

DIGITS = "0123456789"
BEFORE = [" ", ", ", ": ", "(", "\n", "« "]
AFTER = [" ", ", ", ".", ")", "\n", " »"]
WORDS = ["carte", "client", "payé", "réf", "Bonjour", "merci", "IBAN", "SIRET", "tél", "€", "n°", "!", "?"]
BRAND_NAMES = [name for name, _, _ in CARD_BRANDS]
MAESTRO_PREFIXES = ["5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763"]


@pytest.fixture(autouse=True)
def _database():
    """Pure module: replaces the conftest's per-test database transaction (no app, DB or Redis)."""
    return None


def with_check_digit(body: str) -> str:
    """`body` followed by its Luhn check digit."""
    return body + luhn.calc_check_digit(body)


def digit_string(size: int) -> st.SearchStrategy[str]:
    """Exactly `size` random decimal digits."""
    return st.text(DIGITS, min_size=size, max_size=size)


# Text around an item: words and punctuation without digits, then a delimiter that is not a letter,
# a digit or a separator followed by a digit.
filler = st.one_of(
    st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join),
    st.text(st.characters(categories=["L", "P", "Zs"]), max_size=20),
)
contexts = st.tuples(
    filler.flatmap(lambda text: st.sampled_from(BEFORE).map(lambda sep: text + sep)),
    filler.flatmap(lambda text: st.sampled_from(AFTER).map(lambda sep: sep + text)),
)


@st.composite
def cards(draw, brand: str | None = None) -> tuple[str, str]:
    """(digits, brand) of a valid card: a prefix from the brand table, random digits, a Luhn check digit."""
    name, prefixes, lengths = draw(st.sampled_from([row for row in CARD_BRANDS if brand in (None, row[0])]))
    low, _, high = draw(st.sampled_from(prefixes)).partition("-")
    prefix = str(draw(st.integers(int(low), int(high or low)))).zfill(len(low))
    length = draw(st.sampled_from([n for n in lengths if n != 14]))
    return with_check_digit(prefix + draw(digit_string(length - len(prefix) - 1))), name


@st.composite
def formatted(draw, digits: str) -> str:
    """`digits` as typed: plain, in groups of 4 split by a space or dash, or with random separators."""
    style = draw(st.sampled_from(["plain", "groups", "random"]))
    if style == "plain":
        return digits
    if style == "groups":
        return draw(st.sampled_from(" -")).join(digits[i : i + 4] for i in range(0, len(digits), 4))
    gaps = len(digits) - 1
    separators = draw(st.lists(st.sampled_from(["", " ", "-"]), min_size=gaps, max_size=gaps))
    return digits[0] + "".join(sep + digit for sep, digit in zip(separators, digits[1:], strict=True))


def assert_untouched(text: str) -> None:
    """Nothing in `text` is redacted."""
    assert redact_card_numbers(text) == (text, 0)


# --- Examples --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "Visa"),
        ("4222222222222", "Visa"),
        ("4000000000000000006", "Visa"),
        ("5555555555554444", "Mastercard"),
        ("2223003122003222", "Mastercard"),
        ("378282246310005", "Amex"),
        ("6011111111111117", "Discover"),
        ("6500000000000002", "Discover"),
        ("6221260000000000", "Discover"),
        ("6200000000000005", "UnionPay"),
        ("6205500000000000004", "UnionPay"),
        ("3566002020360505", "JCB"),
        ("3056930009020004", "Diners"),
        ("6759649826438453", "Maestro"),
        ("5018000000007", "Maestro"),
        ("2200000000000004", "Mir"),
    ],
)
def test_known_test_cards_are_found_with_their_brand(number, brand):
    text = f"Payé avec {number}."
    assert find_card_numbers(text) == [Redaction(10, 10 + len(number), number[-4:], brand)]
    assert redact_card_numbers(text) == (f"Payé avec {mask(number[-4:])}.", 1)


def test_mask_uses_four_bullets():
    assert mask("1234") == "[card \u2022\u2022\u2022\u20221234]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4242 4242 4242 4242 exp 12/27", "[card ••••4242] exp 12/27"),
        ("4242-4242-4242-4242- fin", "[card ••••4242]- fin"),
        ("carte 4242424242424242 12/27", "carte [card ••••4242] 12/27"),
        ("n°4242 4242 4242 4242, merci", "n°[card ••••4242], merci"),
        ("3782 822463 10005", "[card ••••0005]"),
        ("IBAN FR76 3000 6000 0112 3456 7890 189, carte 4242 4242 4242 4242", None),
        ("NL91 ABNA 0417 1643 00 4242 4242 4242 4242", "NL91 ABNA 0417 1643 00 [card ••••4242]"),
    ],
)
def test_examples(text, expected):
    expected = expected or text.replace("4242 4242 4242 4242", "[card ••••4242]")
    assert redact_card_numbers(text) == (expected, 1)


@pytest.mark.parametrize(
    "text",
    [
        "SIRET 732 829 320 00074 / 73282932000074",
        "SIRET 50180000700012, 6759 0000 5000 17",  # Maestro prefixes: Maestro is the only 14-digit brand
        "Diners 36227206271667",  # 14 digits
        "SIREN 732829320",
        "06 12 34 56 78, +33 6 12 34 56 78, 0612345678, 06.12.34.56.78",
        "06 45 12 34 56 07 98 76 01 10",  # two phones; "4512 ... 7601" alone would pass Luhn as a Visa
        "FR76 3000 6000 0112 3456 7890 189 / FR7630006000011234567890189",
        "GB29 NWBK 6016 1331 9268 19, fr14 2004 1010 0505 0001 3m02 606",
        "GB29 NWBK 4242 4242 4242 4242",  # a Visa-looking run inside an IBAN-like span
        "2026-11-25, 25/11/2026, 25-11-2026, BKG-0001234, PRV-000123, 1 250,00 €",
        "X4242424242424242, BKG4242424242424242",
        "42424242424242424242",  # 20 digits in one group
        "4242424242424241",  # Luhn fails
        "",
    ],
)
def test_not_cards(text):
    assert_untouched(text)


def test_two_cards_are_both_redacted():
    text = "1re carte 4242 4242 4242 4242 exp 12/27, 2e carte 5555-5555-5555-4444."
    expected = "1re carte [card ••••4242] exp 12/27, 2e carte [card ••••4444]."
    assert redact_card_numbers(text) == (expected, 2)


def test_adjacent_cards_in_one_run_do_not_overlap():
    text = "4242424242424242 5555555555554444"
    assert redact_card_numbers(text) == ("[card ••••4242] [card ••••4444]", 2)


# --- Properties ------------------------------------------------------------------------------------


@pytest.mark.parametrize("brand", BRAND_NAMES)
@given(data=st.data(), context=contexts)
def test_generated_cards_are_redacted(brand, data, context):
    number, _ = data.draw(cards(brand))
    typed = data.draw(formatted(number))
    before, after = context
    text = before + typed + after
    redacted, count = redact_card_numbers(text)
    assert count == 1
    assert redacted == before + mask(number[-4:]) + after
    assert number[:-4] not in re.sub(r"[ -]", "", redacted)
    [found] = find_card_numbers(text)
    assert (found.start, found.end, found.last4) == (len(before), len(before) + len(typed), number[-4:])
    assert found.brand == brand or (brand, found.brand) == ("UnionPay", "Discover")


@st.composite
def sirets(draw) -> str:
    """A valid SIRET (SIREN with its check digit, then an establishment number), maybe spaced."""
    # Maestro is the only brand allowed 14 digits: make sure SIRETs that look like Maestro are drawn.
    start = draw(st.one_of(digit_string(4), st.sampled_from(MAESTRO_PREFIXES)))
    siren_digits = with_check_digit(start + draw(digit_string(4)))
    assume(siren_digits != "356000000")  # La Poste uses another checksum
    number = with_check_digit(siren_digits + draw(digit_string(4)))
    assert siret.is_valid(number) and luhn.is_valid(number)
    spaced = f"{number[:3]} {number[3:6]} {number[6:9]} {number[9:]}"
    return draw(st.sampled_from([number, spaced]))


@st.composite
def sirens(draw) -> str:
    """A valid SIREN, maybe spaced."""
    number = with_check_digit(draw(digit_string(8)))
    assert siren.is_valid(number)
    return draw(st.sampled_from([number, f"{number[:3]} {number[3:6]} {number[6:]}"]))


@st.composite
def phones(draw) -> str:
    """A French phone number in one of the usual notations."""
    digits = "0" + draw(st.sampled_from("123456789")) + draw(digit_string(8))
    pairs = [digits[i : i + 2] for i in range(0, 10, 2)]
    return draw(
        st.sampled_from(
            [" ".join(pairs), "+33 " + digits[1] + " " + " ".join(pairs[1:]), digits, ".".join(pairs)]
        )
    )


@st.composite
def ibans(draw) -> str:
    """An IBAN-like string: country, check digits, 11-30 alphanumerics, grouped by 4 or compact."""
    alphabet = st.sampled_from(DIGITS * 4 + "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    country = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2))
    body = country + draw(digit_string(2)) + "".join(draw(st.lists(alphabet, min_size=11, max_size=30)))
    spaced = " ".join(body[i : i + 4] for i in range(0, len(body), 4))
    return draw(st.sampled_from([body, spaced, spaced.lower()]))


dates = st.dates().flatmap(
    lambda d: st.sampled_from([d.isoformat(), d.strftime("%d/%m/%Y"), d.strftime("%d-%m-%Y")])
)
references = st.one_of(
    st.integers(0, 9_999_999).map(lambda n: f"BKG-{n:07d}"),
    st.integers(0, 999_999).map(lambda n: f"PRV-{n:06d}"),
)
amounts = st.tuples(st.integers(1, 999), st.integers(0, 999), st.integers(0, 99)).map(
    lambda t: f"{t[0]} {t[1]:03d},{t[2]:02d} €"
)
not_cards = st.one_of(sirets(), sirens(), phones(), ibans(), dates, references, amounts)


@given(item=not_cards, context=contexts)
def test_french_identifiers_dates_and_amounts_are_left_alone(item, context):
    before, after = context
    assert_untouched(before + item + after)


@given(items=st.lists(not_cards, min_size=2, max_size=6), joiner=st.sampled_from([", ", " ; ", "\n", " / "]))
def test_lists_of_identifiers_are_left_alone(items, joiner):
    assert_untouched(joiner.join(items))


@given(card=cards(), wrong=st.integers(1, 9), context=contexts)
def test_numbers_failing_luhn_are_left_alone(card, wrong, context):
    digits, _ = card
    broken = digits[:-1] + str((int(digits[-1]) + wrong) % 10)
    assert not luhn.is_valid(broken)
    assert_untouched(context[0] + broken + context[1])


@given(
    first=st.sampled_from("01789"),
    rest=st.integers(12, 18).flatmap(lambda n: digit_string(n - 1)),
    context=contexts,
)
def test_luhn_valid_numbers_without_a_brand_prefix_are_left_alone(first, rest, context):
    number = with_check_digit(first + rest)
    assert luhn.is_valid(number)
    assert_untouched(context[0] + number + context[1])


@given(phone_list=st.lists(phones().filter(lambda p: p[0] == "0" and "." not in p), min_size=2, max_size=4))
def test_space_separated_phone_lists_are_left_alone(phone_list):
    assert_untouched(" ".join(phone_list))


digit_heavy_text = st.text(st.sampled_from(DIGITS + "  --aZ.,/\n•[]"), max_size=80)
texts_with_cards = st.lists(
    st.one_of(cards().flatmap(lambda card: formatted(card[0])), not_cards, filler, st.sampled_from(BEFORE)),
    max_size=8,
).map("".join)
any_text = st.one_of(st.text(), digit_heavy_text, texts_with_cards)


@given(text=any_text)
def test_redaction_is_idempotent(text):
    once, _ = redact_card_numbers(text)
    assert redact_card_numbers(once) == (once, 0)


@given(text=any_text)
def test_found_spans_are_luhn_valid_card_runs_and_the_rest_is_kept(text):
    found = find_card_numbers(text)
    redacted, count = redact_card_numbers(text)
    assert count == len(found)
    position, rebuilt = 0, []
    for redaction in found:
        assert position <= redaction.start < redaction.end
        span = text[redaction.start : redaction.end]
        digits = re.sub(r"[ -]", "", span)
        assert re.fullmatch(r"[0-9]+(?:[ -][0-9]+)*", span)
        assert luhn.is_valid(digits) and len(digits) in {13, 15, 16, 17, 18, 19}
        assert digits.endswith(redaction.last4) and redaction.brand in BRAND_NAMES
        rebuilt += [text[position : redaction.start], mask(redaction.last4)]
        position = redaction.end
    assert "".join([*rebuilt, text[position:]]) == redacted


# --- Speed -----------------------------------------------------------------------------------------

MEGABYTE = 1_000_000
MIXED_LINE = (
    "Client 06 12 34 56 78, IBAN FR76 3000 6000 0112 3456 7890 189, carte 4242 4242 4242 4242 exp 12/27, "
    "SIRET 732 829 320 00074, le 25/11/2026 pour 1 250,00 € (BKG-0001234, PRV-000123).\n"
)


@pytest.mark.parametrize(
    "text",
    [
        ("Le prestataire est arrivé en retard, la cliente demande un geste commercial. " * 13000)[:MEGABYTE],
        MIXED_LINE * (MEGABYTE // len(MIXED_LINE)),
        "1 " * (MEGABYTE // 2),
        "1-" * (MEGABYTE // 2),
        "-1" * (MEGABYTE // 2),
        "4 " * (MEGABYTE // 2),
        "4-2-" * (MEGABYTE // 4),
        "4" * MEGABYTE,
        "ab12 " + "abcd " * (MEGABYTE // 5),
    ],
    ids=["no-digits", "mixed", "1-space", "1-dash", "dash-1", "4-space", "4-2-dash", "blob", "iban-ish"],
)
def test_one_megabyte_of_awkward_text_is_redacted_whole(text):
    """Long runs of digits, spaces and dashes finish and leave nothing card-shaped behind (their
    time is measured by `make bench`, never asserted here: a busy machine would fail it)."""
    redacted, count = redact_card_numbers(text)
    assert count >= 0 and redact_card_numbers(redacted) == (redacted, 0)
    assert len(redacted) <= len(text) + 20 * count


def test_no_break_spaces_count_as_spaces():
    for space in ("\u00a0", "\u202f"):
        text = f"carte{space}: 4242{space}4242{space}4242{space}4242 merci"
        assert redact_card_numbers(text) == (f"carte{space}: [card ••••4242] merci", 1)


def test_a_lower_case_code_does_not_hide_a_card():
    assert redact_card_numbers("ab12 word 4242 4242 4242 4242")[1] == 1


def test_text_is_required_bounded_and_measured_as_stored():
    with pytest.raises(DomainError, match="note is required"):
        clean_text("  ", limit=10, what="note")
    with pytest.raises(DomainError, match="too long"):
        clean_text("x" * 1_000_001, limit=10_000, what="message")
    assert clean_text(None, limit=10, what="note", required=False) is None
    # A card number counts as its masked form, which is shorter.
    assert clean_text("4970 1012 3456 7893 x", limit=30, what="note")


@given(text=any_text)
def test_the_scans_database_prefilter_keeps_every_text_holding_a_card(text):
    """The compliance scan lets the database select card-shaped values before the detector reads
    them: every text in which the detector finds a card must pass that filter."""
    from console.privacy import CARD_SHAPED

    if find_card_numbers(text):
        assert re.search(CARD_SHAPED, text)
