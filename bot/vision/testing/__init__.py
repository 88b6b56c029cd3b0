"""Tools to measure the vision engine: fixture generators, the naive reference checker and
the benchmark. Never imported by the engine itself."""
