"""Where workflows get the time: ``lambda: datetime.now(UTC)`` in production, fixed in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]
