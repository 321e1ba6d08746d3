"""Pure rules of Spark: no I/O, no frameworks."""
