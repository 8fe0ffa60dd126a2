"""The analysts' pages (Russian, server-rendered with Jinja2 and the vendored htmx): they call the same
store and report functions as the API, with a session cookie in place of the `X-API-Key` header."""
