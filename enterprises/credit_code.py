"""The unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters from a 31-character alphabet (digits and capitals without I, O,
S, V, Z); the last is a check character over the first 17. Codes are pasted
from scans and documents, so full-width characters, lowercase and spaces are
normalised before checking; anything else is refused with the reason.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def normalise(value):
    """Full-width to half-width (NFKC), spaces removed, capitals."""
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split()).upper()


def check_character(first17):
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value):
    code = normalise(value)
    if len(code) != LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)s."),
            code="length",
            params={"n": len(code)},
        )
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        raise ValidationError(
            _("A unified social credit code cannot contain %(chars)s."),
            code="characters",
            params={"chars": ", ".join(bad)},
        )
    if check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The last character of this credit code does not match the others: check for a typing error."),
            code="check",
        )
    return code


def make_credit_code(first17):
    """A valid code from 17 characters (for demo data and tests)."""
    return first17 + check_character(first17)
