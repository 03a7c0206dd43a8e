"""`python -m yibao` runs the CLI."""

from yibao.cli import app

app()
