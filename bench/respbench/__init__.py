"""respd's benchmark harness; the entry point is bench/run."""
