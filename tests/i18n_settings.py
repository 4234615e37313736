"""Settings for the translation-completeness test: makemessages writes into a copy."""

import os

from score_portal.settings import *  # noqa: F403

LOCALE_PATHS = [os.environ["I18N_CHECK_LOCALE_DIR"]]
