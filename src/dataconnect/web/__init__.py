"""The web UI: server-rendered pages (Jinja2) over the same services as the API.

``kit`` is the pages' toolkit, ``pages/`` holds one module a page family, and ``mount`` puts
them on the API's app.
"""
