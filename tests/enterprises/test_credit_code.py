import pytest
from django.core.exceptions import ValidationError

from enterprises.credit_code import make_credit_code, validate_credit_code

# The example printed in GB 32100-2015 itself.
STANDARD_EXAMPLE = "91350100M000100Y43"


def test_standard_example_is_valid():
    assert validate_credit_code(STANDARD_EXAMPLE) == STANDARD_EXAMPLE


def test_made_codes_are_valid():
    assert validate_credit_code(make_credit_code("91330100MA2AXXXX0")) == make_credit_code("91330100MA2AXXXX0")


def test_wrong_check_character_is_refused():
    with pytest.raises(ValidationError) as info:
        validate_credit_code(STANDARD_EXAMPLE[:-1] + "4")
    assert "last character" in info.value.messages[0]


@pytest.mark.parametrize("code", [STANDARD_EXAMPLE[:-1], STANDARD_EXAMPLE + "1", ""])
def test_wrong_length_is_refused_with_the_length(code):
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert f"this one has {len(code)}" in info.value.messages[0]


def test_lowercase_is_accepted_and_stored_in_capitals():
    assert validate_credit_code(STANDARD_EXAMPLE.lower()) == STANDARD_EXAMPLE


def test_full_width_characters_and_spaces_are_normalised():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in STANDARD_EXAMPLE)  # ９１３５…
    assert validate_credit_code(full_width) == STANDARD_EXAMPLE
    assert validate_credit_code(" 9135 0100 M000 100Y43 ") == STANDARD_EXAMPLE


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_letters_outside_the_alphabet_are_named(letter):
    code = STANDARD_EXAMPLE[:10] + letter + STANDARD_EXAMPLE[11:]
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert letter in info.value.messages[0]
