"""Queries and writes of what the service keeps: items (files and requests → masked, stored items), pains and
the pain map, the embedding cache location."""
