"""A bot process that reads one analysis result and hangs in `on_done` (to be killed -9).

Usage: python -m tests.jobs.consumer_proc REDIS_URL PREFIX
Prints READY once it reads results, then DELIVERED <application id> per result.
"""

from __future__ import annotations

import asyncio
import sys

from bot.jobs.analysis import AnalysisResult
from bot.jobs.arq_queue import ArqJobQueue


async def main(redis_url: str, prefix: str) -> None:
    queue = ArqJobQueue(redis_url, prefix=prefix, consumer="doomed", block_s=0.2)

    async def on_done(result: AnalysisResult) -> None:
        print(f"DELIVERED {result.application_id}", flush=True)
        await asyncio.sleep(3600)  # never returns: killed before the ACK

    await queue.start(on_done)
    print("READY", flush=True)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
