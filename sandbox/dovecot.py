"""A throwaway real Dovecot IMAP server for tests and benchmarks.

``Dovecot(binary).start()`` writes a minimal config (passwd-file user, Maildir
under a temp dir of its own, mail_uid/gid nobody/nogroup, base_dir/state/logs
inside that dir), runs ``dovecot -F`` in the foreground on a free 127.0.0.1 port
and waits until it greets.  ``stop()`` kills it.  ``dovecot_binary()`` finds the
binary (``None`` when Dovecot is not installed: ``apt-get install dovecot-imapd``).

With ``oauth2_introspection_url`` it also takes SASL XOAUTH2 / OAUTHBEARER logins
and validates each bearer token with Dovecot's own ``oauth2`` passdb, which asks
that URL (RFC 7662 introspection, ``POST token=…``) and compares the answer's
``username`` with the login — a real server checking real tokens, with
``sandbox.oauth_server.OAuthServer`` as the provider.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "anna@agency.test"
PASSWORD = "s3cret-Passw0rd"


def dovecot_binary() -> str | None:
    """The dovecot binary, or ``None`` when it is not installed."""
    for cand in (shutil.which("dovecot"), "/usr/sbin/dovecot"):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
# Refused logins answer at once: tests try wrong tokens on purpose.
auth_failure_delay = 0
first_valid_uid = 1
mail_uid = nobody
mail_gid = nogroup
mail_location = maildir:{root}/mail/%u
mail_fsync = never
default_login_user = dovenull
default_internal_user = dovecot
imap_idle_notify_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
{oauth2_passdb}userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


OAUTH2_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
"""

# Introspection only (no tokeninfo, no local validation): every login asks the provider.
OAUTH2_CONFIG = """\
introspection_mode = post
introspection_url = {url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
"""


class Dovecot:
    """One Dovecot instance rooted in a fresh temp dir of its own.

    Not under pytest's tmp_path: that tree is 0700 root, and Dovecot's unprivileged
    helpers (auth runs as ``dovecot``) must traverse to the passwd file and sockets.
    """

    def __init__(self, binary: str, *, oauth2_introspection_url: str | None = None,
                 oauth2_ca_file: str | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="inscope-dovecot-"))
        self.binary = binary
        self.oauth2_introspection_url = oauth2_introspection_url
        self.oauth2_ca_file = oauth2_ca_file  # the CA of an https introspection endpoint
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def log(self) -> str:
        p = self.root / "dovecot.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def start(self, timeout: float = 15.0) -> Dovecot:
        root = self.root
        # Dovecot's unprivileged processes (dovenull, dovecot, nobody) must traverse the tree;
        # only the mail dir belongs to nobody so the mail process can write there.
        root.chmod(0o755)
        for d in ("run", "state", "home", "mail"):
            (root / d).mkdir(exist_ok=True)
        shutil.chown(root / "mail", "nobody", "nogroup")
        shutil.chown(root / "home", "nobody", "nogroup")
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        (root / "passwd").chmod(0o644)
        self.port = free_port()
        conf = root / "dovecot.conf"
        oauth2_passdb, mechanisms = "", "plain login"
        if self.oauth2_introspection_url:
            extra = ""
            if self.oauth2_ca_file:
                shutil.copy(self.oauth2_ca_file, root / "oauth2-ca.pem")
                (root / "oauth2-ca.pem").chmod(0o644)
                extra = f"tls_ca_cert_file = {root / 'oauth2-ca.pem'}\n"
            (root / "oauth2.conf.ext").write_text(OAUTH2_CONFIG.format(url=self.oauth2_introspection_url) + extra)
            (root / "oauth2.conf.ext").chmod(0o644)
            oauth2_passdb = OAUTH2_PASSDB.format(root=root)
            mechanisms = "plain login xoauth2 oauthbearer"
        conf.write_text(CONFIG.format(root=root, port=self.port, mechanisms=mechanisms, oauth2_passdb=oauth2_passdb))
        self.proc = subprocess.Popen(
            [self.binary, "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=open(root / "stderr.log", "wb"),  # noqa: SIM115 - lives as long as the server
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"dovecot exited ({self.proc.returncode}):\n"
                    + (root / "stderr.log").read_text(errors="replace") + self.log()
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("dovecot did not start in time:\n" + self.log())

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            # The master runs in its own session: end its whole process group.
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)
