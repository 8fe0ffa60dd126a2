"""Interfaces: configuration, storage, HTTP API, CLI, reports. Thin: validates, calls nlp/models, stores."""
