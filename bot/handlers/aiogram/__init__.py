"""The aiogram runtime adapter: the only package that imports aiogram."""
