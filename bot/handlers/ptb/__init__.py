"""The python-telegram-bot (22.x) runtime adapter: the only package that imports `telegram`."""
