"""Every router of the boards app, for the application factory."""

from __future__ import annotations

from fastapi import APIRouter

# Imported for what it does: it names the kinds of boards changes clients hear.
from commonhold.apps.boards import kinds  # noqa: F401
from commonhold.apps.boards.attachments.routes import router as attachments
from commonhold.apps.boards.boards.routes import router as boards
from commonhold.apps.boards.cards.routes import router as cards
from commonhold.apps.boards.comments.routes import router as comments
from commonhold.apps.boards.messages.routes import router as messages
from commonhold.apps.boards.search.routes import router as search
from commonhold.apps.boards.workspaces.routes import router as workspaces

routers: list[APIRouter] = [workspaces, boards, cards, comments, attachments, messages, search]
