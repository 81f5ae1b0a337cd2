"""What every page handler of the editor's web app is handed: the site and its parts.

One :class:`Site` per app holds the settings, the store, the article templates, the
mailroom, the clock, the editor's own template environment, the session signer and
the draft views lately built; handlers reach it through the request. This module
holds no request logic; it must not keep a site in a module global (two apps may run
in one process, as the tests do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import jinja2
from starlette.requests import Request

from penpal.config import Settings
from penpal.editor.accounts import Passwords
from penpal.editor.previews import Previews
from penpal.store import Store
from penpal.workflows import Clock
from penpal.workflows.outgoing import Mailroom


@dataclass(frozen=True, slots=True)
class Site:
    """The editor's web app's dependencies and options.

    ``secure_cookies`` None means: Secure cookies unless the page is reached over
    plain HTTP on a loopback address (a demo or a test on 127.0.0.1).
    ``login_delay`` is how many seconds the answer to a failed login is held back.
    ``on_mail`` is called after a page queued mail, to wake the outbox sender.
    ``previews`` remembers the draft views the draft pages built lately.
    """

    settings: Settings
    store: Store
    env: jinja2.Environment
    pages: jinja2.Environment
    room: Mailroom
    clock: Clock
    passwords: Passwords
    session_secret: str
    secure_cookies: bool | None = None
    login_delay: float = 1.0
    on_mail: Callable[[], None] | None = None
    previews: Previews = field(default_factory=Previews)

    @property
    def language(self) -> str:
        """The interface language: the service's."""
        return self.settings.service.language

    def mailed(self) -> None:
        """Tell whoever sends the outbox that a page queued mail."""
        if self.on_mail is not None:
            self.on_mail()


def site_of(request: Request) -> Site:
    """The site serving ``request``."""
    site = request.app.state.site
    assert isinstance(site, Site)  # create_app puts it there, nothing else
    return site
