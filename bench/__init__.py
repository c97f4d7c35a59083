"""Benchmarks: each module has main(argv) and prints one JSON object as its last line."""
