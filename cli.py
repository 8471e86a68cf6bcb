"""The `rebound` command: dev, api, worker, sandbox, migrate, demo-data."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from typing import Annotated, Any

import typer

from core.settings import ROOT, Settings, new_secret

app = typer.Typer(help="Rebound: returns and after-sales engine.", no_args_is_help=True, add_completion=False)


def _settings() -> Settings:
    return Settings()


@app.command()
def migrate() -> None:
    """Apply database migrations (alembic upgrade head) to the configured database."""
    from alembic import command
    from alembic.config import Config

    settings = _settings()
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = settings.database_url
    command.upgrade(cfg, "head")
    typer.echo(f"database migrated: {_redact(settings.database_url)}")


@app.command()
def api() -> None:
    """Serve the JSON API and pages with uvicorn."""
    import uvicorn

    from core import logging as rebound_logging

    settings = _settings()
    rebound_logging.configure(settings)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=settings.api_host,
        port=settings.api_port,
        log_level="info",
        # JSON lines: uvicorn's own loggers (access log included) go through ours instead of its text handlers.
        log_config=None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
        proxy_headers=False,
    )


@app.command()
def worker() -> None:
    """Run a Temporal worker with every workflow and activity."""
    import worker as worker_module

    asyncio.run(worker_module.run(_settings()))


@app.command()
def sandbox() -> None:
    """Serve the simulated partners (payments, carrier, mail sink) for dev and tests."""
    import uvicorn

    from sandbox.app import create_app
    from sandbox.config import SandboxConfig

    settings = _settings()
    config = SandboxConfig(
        rebound_base_url=settings.public_base_url,
        secrets={k: v.get_secret_value() for k, v in settings.partner_secrets.items()},
        state_path=settings.var_dir / "sandbox.db",
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port,
    )
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    uvicorn.run(create_app(config), host="127.0.0.1", port=settings.sandbox_port, log_level="warning")


@app.command("demo-data")
def demo_data() -> None:
    """Load demo orders, staff users (one per role) and an integration key; print the credentials."""
    settings = _settings()
    creds = asyncio.run(_load_demo(settings))
    _print_credentials(settings, creds)


async def _load_demo(settings: Settings) -> dict[str, Any]:
    import httpx

    from db.session import create_engine, create_sessionmaker
    from services import demo

    async def charge(amount: int, currency: str, reference: str) -> str | None:
        try:
            async with httpx.AsyncClient(base_url=settings.sandbox_url, timeout=5) as http:
                got = await http.post(
                    "/payments/charges",
                    json={"amount": amount, "currency": currency, "reference": reference},
                )
                got.raise_for_status()
                return str(got.json()["id"])
        except httpx.HTTPError:
            return None  # no sandbox running: the order simply has no provider charge

    path = settings.var_dir / "credentials.json"
    stored: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:
            count = await demo.load_orders(session, charge)
            bootstrap_pw = settings.bootstrap_password.get_secret_value() if settings.bootstrap_password else None
            users = await demo.ensure_staff(session, bootstrap_pw, lambda: new_secret())
            raw_key = settings.bootstrap_api_key.get_secret_value() if settings.bootstrap_api_key else None
            key = await demo.ensure_api_key(session, raw_key or stored.get("api_key"))
            await session.commit()
    finally:
        await engine.dispose()
    previous_users: dict[str, str] = stored.get("users") or {}
    creds: dict[str, Any] = {"api_key": key, "users": {**previous_users, **users}, "orders": count}
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(creds, indent=2))
    path.chmod(0o600)
    return creds


def _print_credentials(settings: Settings, creds: dict[str, Any]) -> None:
    typer.echo(
        f"demo orders loaded: {creds['orders']} (e.g. CN-1001 li.wei@example.cn, DE-4001 anna.schmidt@example.de)"
    )
    typer.echo(f"integration API key (all scopes): {creds['api_key']}")
    for role, password in (creds.get("users") or {}).items():
        typer.echo(f"staff user {role:<10} password {password}")
    typer.echo(f"(kept in {settings.var_dir / 'credentials.json'}; demo credentials, never for production)")


@app.command()
def dev(
    fresh: Annotated[bool, typer.Option(help="Delete var/ first (all local data)")] = False,
) -> None:
    """Start the whole embedded stack: Temporal, migrations, sandbox, demo data, worker, API. Ctrl-C stops it."""
    from core.devstack import Stack, port_open, temporal_dev_argv

    settings = _settings()
    if fresh and settings.var_dir.exists():
        import shutil

        shutil.rmtree(settings.var_dir)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    host, _, port = settings.temporal_address.rpartition(":")
    for name, p in (
        ("Temporal", int(port)),
        ("API", settings.api_port),
        ("sandbox", settings.sandbox_port),
    ):
        if port_open("127.0.0.1", p):
            typer.echo(f"port {p} ({name}) is already in use: is another `rebound dev` running?", err=True)
            raise typer.Exit(1)
    stack = Stack(settings.var_dir / "logs")
    _stop_on_signals()
    me = [sys.executable, "-m", "cli"]
    env = {"PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        temporal_cmd = temporal_dev_argv(
            host or "127.0.0.1",
            int(port),
            settings.temporal_ui_port,
            settings.temporal_namespace,
            settings.var_dir / "temporal.db",
            codec_endpoint=f"{settings.public_base_url}/codec",  # staff see decrypted payloads in the UI
        )
        stack.start("temporal", temporal_cmd)
        migrate()
        stack.start("sandbox", [*me, "sandbox"], env=env)
        stack.wait_port("sandbox", "127.0.0.1", settings.sandbox_port)
        stack.wait_port("temporal", "127.0.0.1", int(port))
        creds = asyncio.run(_load_demo(settings))
        stack.start("worker", [*me, "worker"], env=env)
        stack.start("api", [*me, "api"], env=env)
        stack.wait_port("api", "127.0.0.1", settings.api_port)
        _print_credentials(settings, creds)
        typer.echo("")
        typer.echo(f"API and pages   {settings.public_base_url}  (OpenAPI docs: {settings.public_base_url}/docs)")
        typer.echo(f"health          {settings.public_base_url}/healthz")
        typer.echo(f"sandbox         {settings.sandbox_url}  (mail: {settings.sandbox_url}/mail/messages)")
        typer.echo(f"Temporal UI     http://127.0.0.1:{settings.temporal_ui_port}  (gRPC {settings.temporal_address})")
        typer.echo(f"logs            {stack.log_dir}/")
        typer.echo("Ctrl-C stops everything.")
        stack.watch()
    except KeyboardInterrupt:
        typer.echo("\nstopping…")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
        stack.stop()


def _stop_on_signals() -> None:
    """Ctrl-C, kill and a closed terminal all stop the stack the same way (even when started in the background,
    where SIGINT arrives ignored)."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _input_file(file: str) -> Any:
    """The file named on the command line, or exit 2 saying it is not there."""
    from pathlib import Path

    path = Path(file)
    if not path.is_file():
        typer.echo(f"{file}: no such file", err=True)
        raise typer.Exit(2)
    return path


@app.command()
def reconcile(
    file: Annotated[str, typer.Argument(help="the provider's settlement report (CSV, UTF-8)")],
    from_: Annotated[str | None, typer.Option("--from", help="period start; default: the report's first day")] = None,
    to: Annotated[str | None, typer.Option("--to", help="period end (a date inclusive); default: its last day")] = None,
    actor: Annotated[str, typer.Option(help="who ran it, kept with the run")] = "cli",
) -> None:
    """Reconcile a settlement report against our refunds; shows progress, then totals and discrepancies."""

    from domain.errors import InvalidInput
    from domain.money import Money
    from domain.period import Period

    path = _input_file(file)
    try:
        view = asyncio.run(_reconcile(_settings(), path, Period.parse(from_, to), actor))
    except InvalidInput as err:
        typer.echo(f"{path.name}: {err.detail} (nothing stored)", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"run {view['id']}: {view['rows']:,} rows, {view['refund_rows']:,} refunds, {view['matched']:,} matched")
    for t in view["totals"].values():
        sums = ", ".join(f"{k} {Money(t[k]['amount'], t[k]['currency'])}" for k in ("gross", "fees", "net"))
        typer.echo(f"  {t['rows']:,} rows: {sums}")
    for d in view["discrepancies"]:
        amounts = " ".join(f"{k} {Money(d[k]['amount'], d[k]['currency'])}" for k in ("expected", "actual") if d[k])
        typer.echo(f"  {d['kind']:<20} {d['provider_txn_id'] or '-':<24} {d['reference'] or '-':<32} {amounts}")
    if view["status"] == "reconciled":
        typer.echo("reconciled: every refund matched")
    else:
        typer.echo(f"{view['discrepancy_count']} discrepancies to resolve (run {view['id']})")


async def _reconcile(settings: Settings, path: Any, period: Any, actor: str) -> dict[str, Any]:
    from db.session import create_engine, create_sessionmaker
    from services.finance_views import run_view
    from services.reconciliation import run_reconciliation

    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            with path.open("rb") as stream, typer.progressbar(length=path.stat().st_size, label="reconciling") as bar:
                done = 0

                def progress(_rows: int, read: int) -> None:
                    nonlocal done
                    bar.update(read - done)
                    done = read

                run = await run_reconciliation(
                    session,
                    stream,
                    filename=path.name,
                    actor=actor,
                    period=period,
                    max_bytes=settings.max_upload_bytes,
                    on_progress=progress,
                )
                bar.update(path.stat().st_size - done)
            view = run_view(run)
            await session.commit()
            return view
    finally:
        await engine.dispose()


@app.command("import-orders")
def import_orders_command(
    file: Annotated[str, typer.Argument(help="orders CSV (UTF-8), one row per order line; see docs/order-import.md")],
    report: Annotated[str | None, typer.Option(help="write the row-by-row report to this CSV file")] = None,
) -> None:
    """Import (upsert by order number) the orders of a CSV file; prints what happened to every refused row."""
    from pathlib import Path

    from domain.errors import InvalidInput

    path = _input_file(file)
    try:
        result = asyncio.run(_import_orders(_settings(), path))
    except InvalidInput as err:
        typer.echo(f"{path.name}: {err.detail} (nothing imported)", err=True)
        raise typer.Exit(2) from None
    from services.order_import import report_csv

    for row in result.refused:
        typer.echo(f"  line {row.line}: {row.order_number or '-'}: {row.reason}")
    totals = result.totals
    typer.echo(f"{totals['imported']:,} rows imported, {totals['updated']:,} updated, {totals['refused']:,} refused")
    if report:
        Path(report).write_text(report_csv(result), encoding="utf-8")
        typer.echo(f"report written to {report}")
    if totals["refused"]:
        raise typer.Exit(1)


async def _import_orders(settings: Settings, path: Any) -> Any:
    from db.session import create_engine, create_sessionmaker
    from services.order_import import import_orders

    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            with path.open("rb") as stream, typer.progressbar(length=path.stat().st_size, label="importing") as bar:
                done = 0

                def progress(_rows: int) -> None:
                    nonlocal done
                    bar.update(stream.tell() - done)
                    done = stream.tell()

                return await import_orders(session, stream, progress=progress)
    finally:
        await engine.dispose()


@app.command()
def redact(
    days: Annotated[int | None, typer.Option(help="retention period in days (default: REBOUND_RETENTION_DAYS)")] = None,
) -> None:
    """Remove the personal data of cases closed longer than the retention period (ledger and audit rows stay)."""
    settings = _settings()
    orders, cases, customers = asyncio.run(_redact_expired(settings, days or settings.retention_days))
    typer.echo(f"{orders:,} orders and {cases:,} cases redacted, {customers:,} customers anonymised")


async def _redact_expired(settings: Settings, days: int) -> tuple[int, int, int]:
    from datetime import UTC, datetime

    from db.session import create_engine, create_sessionmaker
    from services.photos import discard
    from services.retention import redact_expired

    engine = create_engine(settings)
    totals = [0, 0, 0]
    try:
        async with create_sessionmaker(engine)() as session:
            while True:  # in batches, each committed before its photo files go
                done = await redact_expired(session, now=datetime.now(UTC), days=days, upload_dir=settings.upload_dir)
                await session.commit()
                discard(done.files)
                if not done.orders:
                    return totals[0], totals[1], totals[2]
                totals = [totals[0] + len(done.orders), totals[1] + len(done.cases), totals[2] + done.customers]
    finally:
        await engine.dispose()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
