"""The exceptions penpal raises, under one root.

Every error penpal raises on purpose is a ``PenpalError``; the command line turns
it into a one-line message and a non-zero exit status, the service loop logs it
and carries on. Edges wrap the errors of their libraries with ``raise … from exc``
so that callers handle one type per edge::

    PenpalError
    ├── ConfigError          config.toml is missing, unreadable or has a bad key
    ├── MailFormatError      a message cannot be read (broken MIME, too large, …)
    ├── IntakeError          the mailbox (IMAP server or Maildir) failed us
    ├── RelayError           the SMTP server failed us
    │   ├── TransientRelayError  worth trying again (connection lost, 4xx reply)
    │   └── PermanentRelayError  not worth trying again (5xx, a refused recipient)
    ├── StoreError           the database failed us
    │   └── NotFound         no such correspondence, letter or message
    ├── WorkflowError        a request that the current state does not allow
    ├── PublishError         the output folder cannot be written, or a name would leave it
    └── DraftFormatError     an edited draft does not fit the format
"""

from __future__ import annotations


class PenpalError(Exception):
    """Root of every error penpal raises on purpose."""


class ConfigError(PenpalError):
    """The configuration is missing, unreadable or wrong; the message names the key."""


class MailFormatError(PenpalError):
    """A message cannot be made sense of."""


class IntakeError(PenpalError, ConnectionError):
    """Reading the mailbox failed (connection, login, protocol or file system)."""


class RelayError(PenpalError, ConnectionError):
    """Sending mail failed."""


class TransientRelayError(RelayError):
    """Sending failed in a way that may pass: try again later."""


class PermanentRelayError(RelayError):
    """The server refused the mail for good; trying again would not help."""


class StoreError(PenpalError):
    """The database failed or refused an operation."""


class NotFound(StoreError):
    """The thing asked for does not exist."""


class WorkflowError(PenpalError):
    """The request is not allowed in the current state."""


class PublishError(PenpalError):
    """The output folder cannot be written, or a name would leave it."""


class DraftFormatError(PenpalError):
    """An edited draft does not fit the draft format; the message names the line."""
