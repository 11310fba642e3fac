"""``inscope connect trello|telegram|email`` (and ``telegram --user``): interactive account setup.

Secrets are read with hidden input, checked against the service, and stored in
the keyring (or, with no keyring backend, explained and left to an env var —
never written anywhere).  The non-secret ``[[accounts]]`` entry and the
source→project mapping are written to the config, and the TOML is printed.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connectors.base import SourceError, redact
from inscope import config as config_mod
from inscope.config.write import map_to_project, upsert_account
from inscope.secrets import NoKeyringError, env_names, keyring_usable, store_secret

Ask = Callable[[str], str]


def connect(kind: str, config_path: Path | None, *, ask: Ask = input,
            ask_secret: Ask = getpass.getpass, out: Callable[[str], None] = print) -> int:
    """Run the setup for ``kind``; returns the exit status."""
    home = config_mod.data_dir()
    config_mod.ensure_private_dir(home)
    path = config_path or config_mod.default_config_path(home)
    try:
        if kind == "trello":
            return _trello(path, ask, ask_secret, out)
        if kind == "telegram":
            return _telegram(path, ask, ask_secret, out)
        if kind == "telegram_user":
            return _telegram_user(path, ask, ask_secret, out)
        return _email(path, ask, ask_secret, out)
    except SourceError as e:
        out(f"inscope: {redact(str(e))}")
        return 1
    except (EOFError, KeyboardInterrupt):
        out("\ncancelled; nothing was written")
        return 1


def _keep_secret(account: str, kind: str, name: str, value: str, out: Callable[[str], None]) -> None:
    try:
        store_secret(account, kind, name, value)
        out(f"  {name}: stored in the keyring")
    except NoKeyringError as e:
        out(str(e))
        out(f"  ({name} was NOT written anywhere; set {env_names(account, kind, name)[1]} before running inscope)")


def _map(path: Path, field: str, choices: list[dict[str, Any]], label: str, ask: Ask,
         out: Callable[[str], None]) -> None:
    if not choices:
        return
    out(f"\nMap {label} to projects (empty answer skips):")
    for c in choices:
        project = ask(f"  {c['name']} → project: ").strip()
        if project:
            out(map_to_project(path, project, field, str(c["id"])))


def _trello(path: Path, ask: Ask, ask_secret: Ask, out: Callable[[str], None]) -> int:
    from connectors import trello

    name = ask("Account name [trello]: ").strip() or "trello"
    api_base = ask("API base [https://api.trello.com/1]: ").strip() or "https://api.trello.com/1"
    out("Get a key at https://trello.com/power-ups/admin and a token from the authorize link shown there.")
    key = ask_secret("API key (hidden): ").strip()
    token = ask_secret("Token (hidden): ").strip()
    me = asyncio.run(trello.whoami(api_base, key, token))
    out(f"  signed in as {me.get('fullName', '')} (@{me.get('username', '')})")
    boards = asyncio.run(trello.open_boards(api_base, key, token))
    _keep_secret(name, "trello", "key", key, out)
    _keep_secret(name, "trello", "token", token, out)
    out(upsert_account(path, name, "trello", {"api_base": api_base}))
    for b in boards:
        out(f"  board {b['id']}  {b['name']}")
    _map(path, "trello_boards", boards, "boards", ask, out)
    out(f"\nwrote {path}")
    return 0


def _telegram(path: Path, ask: Ask, ask_secret: Ask, out: Callable[[str], None]) -> int:
    from connectors import telegram

    name = ask("Account name [telegram]: ").strip() or "telegram"
    api_base = ask("API base [https://api.telegram.org]: ").strip() or "https://api.telegram.org"
    out("Create a bot with @BotFather (/newbot) and paste its token.")
    token = ask_secret("Bot token (hidden): ").strip()
    me = asyncio.run(telegram.get_me(api_base, token))
    out(f"  bot @{me.get('username', '')}")
    if not me.get("can_read_all_group_messages"):
        out("  privacy mode is ON: in groups the bot sees only commands and replies to it.\n"
            "  Turn it off with @BotFather → /setprivacy → Disable (then re-add the bot), or make it an admin.")
    _keep_secret(name, "telegram", "token", token, out)
    out(upsert_account(path, name, "telegram", {"api_base": api_base}))
    chats = asyncio.run(telegram.seen_chats(api_base, token))
    if not chats:
        out("  the bot has not seen any chat yet: add it to the client groups, post a message, run this again.")
    chats = [{"id": c["id"], "name": c.get("title") or c.get("username") or str(c["id"])} for c in chats]
    _map(path, "telegram_chats", chats, "chats", ask, out)
    out(f"\nwrote {path}")
    return 0


NO_KEYRING_FOR_SESSION = (
    "inscope: no keyring backend is available, and a Telegram session is a full-account "
    "credential that inscope keeps only in a keyring (never in a file or the config).\n"
    "Install one (e.g. `pip install keyrings.alt`, or run GNOME Keyring / KWallet) and run "
    "`inscope connect telegram --user` again."
)

PRIVATE_SHOWN = 30  # the most recent private chats offered for opting in


def _telegram_user(path: Path, ask: Ask, ask_secret: Ask, out: Callable[[str], None]) -> int:
    """Sign in as the specialist (Telethon), keep the session in the keyring, pick chats."""
    import inspect

    from connectors.base import register_secret
    from connectors.telegram.ownership import bot_listed_chats, chat_ids
    from connectors.telegram_user import client as client_mod
    from connectors.telegram_user import onboarding

    if not keyring_usable():
        out(NO_KEYRING_FOR_SESSION)
        return 1
    name = ask("Account name [telegram-me]: ").strip() or "telegram-me"
    out("inscope signs in as you, with an app of your own: on my.telegram.org log in with your "
        "phone number,\nopen \"API development tools\", create an app (any name and short "
        "name) and copy its api_id and api_hash.")
    api_id_text = ask("api_id (a number): ").strip()
    if not api_id_text.isdigit():
        out(f"inscope: api_id must be a number, not {api_id_text!r}")
        return 1
    api_id = int(api_id_text)
    api_hash = ask_secret("api_hash (hidden): ").strip()
    register_secret(api_hash)
    qr = (ask("Sign in with a login [c]ode or a [q]r code? [c]: ").strip().lower() or "c")[0] == "q"
    prompts = onboarding.Prompts(ask=ask, ask_secret=ask_secret, out=out)

    async def flow() -> tuple[str, Any, list[onboarding.DialogChoice]]:
        client = client_mod.make_client("", api_id, api_hash)
        try:
            try:
                await client.connect()
            except OSError as e:
                raise SourceError(f"Telegram: cannot reach Telegram ({type(e).__name__})") from None
            user = await onboarding.sign_in(client, prompts, qr=qr)
            session = str(client.session.save())
            register_secret(session)
            try:
                chats = await onboarding.dialogs(client)
            except Exception as e:  # noqa: BLE001 — signed in: keep the session, list chats later
                out(f"  could not list your chats ({type(e).__name__}); run this again to pick "
                    "them, or put their ids in the account's `chats`")
                chats = []
            return session, user, chats
        finally:
            res = client.disconnect()
            if inspect.isawaitable(res):
                await res

    session, user, dialogs = asyncio.run(flow())
    handle = f" (@{user.username})" if getattr(user, "username", None) else ""
    out(f"  signed in as {getattr(user, 'first_name', '') or ''}{handle}, id {user.id}")
    try:
        store_secret(name, "telegram_user", "session", session)
        store_secret(name, "telegram_user", "api_hash", api_hash)
        out("  session and api_hash: stored in the keyring")
    except NoKeyringError as e:
        out(str(e))
        out("  the session was NOT stored anywhere; end it in Telegram → Settings → Devices")
        return 1
    cfg = config_mod.load(path)
    accounts = {a.name: {"kind": a.kind, **a.options} for a in cfg.accounts}
    bots = bot_listed_chats(accounts)
    prior = chat_ids(accounts.get(name, {}).get("chats"))
    chosen: set[int] = set()
    groups = [d for d in dialogs if d.kind in ("group", "supergroup", "forum")]
    out("\nYour groups (empty answer: not read). Map each client group to its project:")
    for d in groups:
        bot = f" — read by the bot account {bots[d.id]!r}" if d.id in bots else ""
        project = ask(f"  {d.title} [{d.kind} {d.id}]{bot} → project: ").strip()
        if project:
            chosen.add(d.id)
            out(map_to_project(path, project, "telegram_chats", str(d.id)))
            if d.id in bots:
                out(f"  note: the bot account {bots[d.id]!r} lists this chat in `chats`, so the bot "
                    "keeps reading it (one thread per chat); remove it there to read it as you")
    people = [d for d in dialogs if d.kind == "private" and not d.is_bot][:PRIVATE_SHOWN]
    if people and ask("\nRead some private chats too (the AM, a client who writes in private)? "
                      "[y/N]: ").strip().lower() in ("y", "yes", "д", "да"):
        out("  for each: a project, '-' to read it without one, empty: not read")
        for d in people:
            who = f" @{d.username}" if d.username else ""
            project = ask(f"  {d.title}{who} [{d.id}] → project: ").strip()
            if project:
                chosen.add(d.id)
                if project != "-":
                    out(map_to_project(path, project, "telegram_chats", str(d.id)))
    out(upsert_account(path, name, "telegram_user", {"api_id": api_id,
                                                      "chats": sorted(prior | chosen)}))
    out(f"\nwrote {path}")
    return 0


def _email(path: Path, ask: Ask, ask_secret: Ask, out: Callable[[str], None]) -> int:
    name = ask("Account name [mail]: ").strip() or "mail"
    kind = (ask("imap or maildir [imap]: ").strip() or "imap").lower()
    opts: dict[str, Any] = {}
    if kind == "maildir":
        opts["path"] = ask("Maildir path: ").strip()
        if not Path(opts["path"]).expanduser().is_dir():
            out(f"inscope: {opts['path']} is not a directory")
            return 1
    elif kind == "imap":
        opts["host"] = ask("IMAP host: ").strip()
        opts["port"] = int(ask("IMAP port [993]: ").strip() or 993)
        opts["tls"] = ask("TLS (ssl/starttls/none) [ssl]: ").strip() or "ssl"
        opts["user"] = ask("IMAP user: ").strip()
        folders = ask("Folders to watch [INBOX]: ").strip()
        opts["folders"] = [f.strip() for f in folders.split(",")] if folders else ["INBOX"]
        from connectors.email import oauth

        # Microsoft 365 and Gmail want OAuth2; Yandex and Mail.ru take app passwords.
        suggested = "oauth2" if (p := oauth.provider_for(opts)) and p.name in ("microsoft", "google") else "password"
        auth = (ask(f"Sign in with password or oauth2 [{suggested}]: ").strip() or suggested).lower()
        if auth == "oauth2":
            _oauth_sign_in(name, opts, ask, ask_secret, out)
        else:
            password = ask_secret("Password or app password (hidden): ")
            _keep_secret(name, "imap", "password", password, out)
    else:
        out(f"inscope: unknown email kind {kind!r}")
        return 1
    smtp_host = ask("SMTP host (empty: no sending): ").strip()
    if smtp_host:
        opts["smtp_host"] = smtp_host
        opts["smtp_port"] = int(ask("SMTP port [587]: ").strip() or 587)
        opts["smtp_tls"] = ask("SMTP TLS (starttls/ssl/none) [starttls]: ").strip() or "starttls"
        opts["smtp_user"] = ask("SMTP user [same]: ").strip() or opts.get("user", "")
        if opts.get("auth") == "oauth2":
            out("  SMTP signs in with the same OAuth2 sign-in")
        elif kind == "maildir" or ask("Same password for SMTP? [Y/n]: ").strip().lower() in ("n", "no"):
            _keep_secret(name, "smtp", "smtp_password", ask_secret("SMTP password (hidden): "), out)
    out(upsert_account(path, name, kind, opts))
    out("\nMap sender domains to projects, e.g. client.ru → Ромашка (empty line ends):")
    while True:
        line = ask("  domain → project: ").strip()
        if not line:
            break
        if "→" in line or "->" in line:
            dom, proj = [x.strip() for x in line.replace("->", "→").split("→", 1)]
        else:
            dom, proj = line, ask(f"  {line} → project: ").strip()
        if dom and proj:
            out(map_to_project(path, proj, "email_domains", dom.lower()))
    out(f"\nwrote {path}")
    return 0


def _oauth_sign_in(name: str, opts: dict[str, Any], ask: Ask, ask_secret: Ask, out: Callable[[str], None]) -> None:
    """Fill ``opts`` for ``auth = "oauth2"`` and keep the refresh token (or the token command)."""
    from connectors.email import oauth, oauth_flows

    guess = oauth.provider_for(opts)
    default = guess.name if guess else "microsoft"
    provider_name = (ask(f"Provider (microsoft/google/yandex/command) [{default}]: ").strip() or default).lower()
    opts["auth"] = "oauth2"
    if provider_name == "command":
        opts["oauth2_token_command"] = ask("Command that prints an access token: ").strip()
        oauth.CommandToken(name, opts["oauth2_token_command"]).access_token()
        out("  the command printed a token")
        return
    opts["oauth2_provider"] = provider_name
    opts["oauth2_client_id"] = ask("Application (client) id registered with the provider: ").strip()
    if provider_name == "microsoft":
        tenant = ask("Tenant (common/organizations/consumers or an id) [common]: ").strip() or "common"
        if tenant != "common":
            opts["oauth2_tenant"] = tenant
        # National clouds (and the tests' stand-in) sign in elsewhere.
        authority = ask(f"Sign-in server [https://login.microsoftonline.com/{tenant}]: ").strip()
        if authority:
            opts["oauth2_authority"] = authority
        provider = oauth.provider_for(opts)
        assert provider is not None
        signed = oauth_flows.device_code_sign_in(name, provider, opts["oauth2_client_id"], show=out)
    else:
        secret = ask_secret("Client secret of the application (hidden, empty if none): ").strip()
        provider = oauth.provider_for(opts)
        assert provider is not None

        def open_url(url: str) -> None:
            import webbrowser

            out(f"Open this page to sign in (a browser should open by itself):\n  {url}")
            webbrowser.open(url)

        signed = oauth_flows.loopback_sign_in(name, provider, opts["oauth2_client_id"], open_url=open_url,
                                              client_secret=secret, login_hint=str(opts.get("user", "")))
        if secret:
            _keep_secret(name, "imap", "oauth2_client_secret", secret, out)
    out(f"  signed in{' as ' + signed.username if signed.username else ''}")
    _keep_secret(name, "imap", "oauth2_refresh_token", signed.refresh_token, out)


if __name__ == "__main__":
    sys.exit(connect(sys.argv[1], None))
