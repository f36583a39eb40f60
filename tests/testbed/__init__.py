"""Real parts for the tests: a namespace router, a private Secret Service, and more.

Each part starts real programs and stops every one of them in ``close()``. Traffic goes only to
loopback or to network namespaces these helpers create.
"""
