"""Where compiled rules run: DuckDB over the case's Parquet dataset (the embedded default)."""
