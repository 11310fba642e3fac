"""Screens and modal pickers of the inscope TUI."""
