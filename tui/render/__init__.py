"""Pure rendering for the TUI: plain values in, text and styled runs out (no widgets).

Widgets call these; nothing here imports Textual, so the rendering can be tested, and run in
worker threads, without an app.
"""
