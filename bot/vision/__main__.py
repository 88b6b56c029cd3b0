"""``python -m bot.vision``: see bot.vision.cli."""

import sys

from bot.vision.cli import main

sys.exit(main())
