"""Build-time generation for the site: plain Python, callable without MkDocs."""
