"""Widgets of the inscope TUI."""
