"""Throughput of one bot process: the product against a bare echo bot of the same library,
on one emulator, measured from outside (see bench/README.md, "Throughput")."""
