"""Importers that turn election offices' result files into racecall scenarios."""
