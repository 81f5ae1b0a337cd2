"""The editor's web page: review, shape, approve and publish drafts in a browser.

:func:`create_app` builds the Starlette app; :func:`penpal.editor.server.serve_web`
runs it under uvicorn inside the service's TaskGroup; :mod:`penpal.editor.commands`
holds ``penpal editor add`` and ``penpal editor password``. The package shows what
the store holds and hands every change to the workflows; it must not change
records past them, and it never trusts letter text: templates escape it and
HTML passes through nh3.
"""

from __future__ import annotations

from penpal.editor.app import create_app

__all__ = ["create_app"]
