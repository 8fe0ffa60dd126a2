"""Tables in and out: reading CSV/XLSX/Parquet/JSON (one sniffed layout per file), formula-safe atomic
writing, CSV byte blocks for parallel scoring."""
