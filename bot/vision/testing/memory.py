"""A benchmark child process's own peak memory: the high-water mark of its resident memory
(``VmHWM`` in ``/proc/self/status``), which ``reset_peak`` sets back to the current size
(``/proc/self/clear_refs``), so that each video is measured on its own."""

from __future__ import annotations

import resource
import sys


def reset_peak() -> None:
    """Reset this process's resident-memory high-water mark (Linux 4.0+; else a no-op)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def peak_mb() -> float:
    """This process's peak resident memory since the last reset, in MB."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux, bytes on macOS
    return peak / (1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0)
