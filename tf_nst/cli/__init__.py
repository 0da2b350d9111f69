"""Command-line apps: ``tf-nst <subcommand>``; each is a thin layer over the Python API."""
