"""The python-telegram-bot (22.x) runtime adapter: the only package that imports `telegram`."""

import os

# PTB 22 is moving durations (RetryAfter.retry_after, Video.duration...) from int seconds to
# timedelta and warns on every read of the old form; opt in to the new form (read at each
# access, so setting it here, before any PTB object is used, is enough).
os.environ.setdefault("PTB_TIMEDELTA", "true")
