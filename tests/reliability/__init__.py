"""Helpers for the reliability suite (tests/reliability/test_*.py).

- ``runner``   the child process that syncs a DB against sandbox URLs (killed with SIGKILL);
- ``world``    the sandboxes (Trello, Telegram, Maildir + SMTP sink) living in the parent,
               how they grow between runs, and the consistency check after the last run;
- ``proxy``    an asyncio TCP proxy that injects resets, stalls and slow drips.
"""
