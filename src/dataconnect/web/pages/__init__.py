"""The web UI's pages, one module a family, each with its ``router`` (listed in ``web.mount``).

A page module imports ``web.kit`` (and the services, domain and errors it needs), never another
page module nor ``web.mount``; the import-linter contracts check this.
"""
