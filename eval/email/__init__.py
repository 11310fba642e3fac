"""E-mail scores: reply extraction, decoding and threading on the public mail fixture set."""
