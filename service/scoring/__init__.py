"""Batch scoring of files: input checks, resumable parts, local and Dask workers."""
