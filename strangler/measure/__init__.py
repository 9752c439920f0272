"""Measuring both paths: ``compare`` (one route, both paths, one run), ``loadtest``, traces."""
