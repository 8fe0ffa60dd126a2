"""FastAPI routers, one module per resource; shared dependencies in deps.py."""
