"""Page layouts (functions of the URL's path and query values). Dash Pages modules in ``pages/`` only
register these; keeping them here lets tests import them before any app exists."""
