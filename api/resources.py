"""Process-wide resources built in the lifespan: engine, sessionmaker, Temporal client, page templates."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.web.pages import Pages
from core.settings import Settings
from domain.policy import MerchantPolicy
from integrations.carriers import Carrier


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    policy: MerchantPolicy
    temporal: Client | None = None
    pages: Pages = field(default_factory=Pages)  # templates and their filters
    carrier: Carrier | None = None  # return labels are fetched through it and served by our pages
