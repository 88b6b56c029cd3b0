#!/usr/bin/env sh
# Write the next aerich migration for every dialect after a change of bot/storage/models.py.
# Usage: scripts/makemigrations.sh <short_name>   (see bot/storage/db.py for the procedure)
set -eu
if [ $# -ne 1 ]; then
    echo "usage: $0 <short_name>" >&2
    exit 2
fi
cd "$(dirname "$0")/.."
for dialect in sqlite postgres; do
    uv run python -m bot.storage.db makemigrations "$dialect" "$1"
done
