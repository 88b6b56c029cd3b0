"""Load and fault runs of the whole bot on loopback: `uv run python bench/load.py [options]`
(the code: this package, one module per duty).

What runs, every piece in its own process group on 127.0.0.1 (and stopped at the end):

- the Bot API emulator (`python -m bot.emulator`), whose webhook points at
- a round-robin HTTP proxy (in this script) standing for the load balancer, in front of
- `--bots` bot processes in webhook mode (`python -m bot`, distinct `WEBHOOK_PORT`s, one shared
  `DATA_DIR` and shared keys, a fresh temporary PostgreSQL database, Redis `--redis-url`), and
- `--workers` analysis workers (`python -m bot worker`, arq over the same Redis).

`--citizens` simulated citizens (at most `--concurrency` at a time) then go through the web
chat's JSON API of the emulator (`/chat/api/send|press|keyboard|upload|events`): /start,
privacy, share phone, name, own ID number, Family Services, add a member (name, ID number,
father, confirm), verify, biometric consent, the ID card photo, "I'm ready", a genuine video
note, and the outcome message.

Reported: updates per second, reply latency (a user action to the bot's reply it waits for),
analysis throughput and latency (video sent to outcome message), and the checks: every
application has exactly one decision in `application_event` and every citizen got exactly one
outcome message in the emulator's event log. A table goes to stdout and JSON to
`bench/out/load-<timestamp>.json` (the processes' logs next to it, in `load-<timestamp>/`).

`--fault kill-worker|kill-bot|restart-redis` injects one fault once `--fault-at` of the
citizens have sent their video: SIGKILL to the process group of worker 1 or of bot 1, or
`redis-cli shutdown nosave` and a fresh `redis-server` (no persistence, as on CI).

`--mode polling` runs one bot in long polling instead (no proxy): a baseline.

Safety: only 127.0.0.1 is ever targeted; the temporary database (`ssc_bench_<hex>`) is dropped
and the Redis keys of the run (`arq:*`, `ssc:*`, `fsm:<bot id>:*` in the Redis database of
`--redis-url`, by default 9 so that nothing else is touched) are deleted at start and at the
end; every wait has a deadline and the whole run stops after `--max-seconds`.
"""
