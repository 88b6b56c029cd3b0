"""Admin duties, one module each: `stats` (figures) and `chart` (the PNG), `export` (CSV),
`retention` (the purge), `thresholds`, `bans`, `broadcast` (recipients and the paced delivery
loop) and `auditlog` (reading and writing admin lines of the audit log).

Nothing here knows Telegram types: the broadcast loop takes an async `send(chat_id)` and reads
the Messenger port's errors to tell "wait and retry", "blocked" and "failed" apart.
"""
