"""inscope."""
