"""The `spark` command: serve, worker, migrate, users, token, domains, reports, announcements."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime

import typer

from spark.config import load_settings

cli = typer.Typer(no_args_is_help=True, add_completion=False, help="Spark microblogging server")
users_cli = typer.Typer(no_args_is_help=True, help="Manage local users")
cli.add_typer(users_cli, name="users")
domains_cli = typer.Typer(no_args_is_help=True, help="Other servers: blocks and delivery health")
cli.add_typer(domains_cli, name="domains")
announcements_cli = typer.Typer(no_args_is_help=True, help="Announcements shown to every user")
cli.add_typer(announcements_cli, name="announcements")


@cli.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from spark.adapters.db.migrate import upgrade

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    typer.echo(f"database ready: {_redacted(settings.effective_database_url)}")


def _open_files_as_allowed() -> None:
    """Raise this process's open-file limit to what the system allows: streams and deliveries each hold a
    socket, and the usual soft limit of 1,024 is far below the connections one process serves."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1_048_576 if hard == resource.RLIM_INFINITY else min(hard, 1_048_576)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            pass  # some systems refuse; the soft limit stays


@cli.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          log_level: str = typer.Option("info", help="uvicorn log level")) -> None:
    """Serve the API (and, later, the web app) over HTTP."""
    import uvicorn

    settings = load_settings()
    _open_files_as_allowed()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.effective_secret_key  # noqa: B018 - create it once, before workers race for it
    try:
        settings.vapid_keys  # noqa: B018 - likewise; and a mismatched pair would fail every app registration
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    if workers > 1:
        os.environ["SPARK_PROCESSES"] = str(workers)  # read by each process's settings
        if not settings.redis_url:
            typer.echo("warning: without SPARK_REDIS_URL, a streaming client hears only of what happens through "
                       "the process it is connected to", err=True)
    typer.echo(f"Spark is serving {settings.base_url} on http://{host}:{port}")
    typer.echo("Create the first admin with:  .venv/bin/spark users create NAME --email E --password P --admin")
    uvicorn.run("spark.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                loop="uvloop", http="httptools", log_level=log_level, access_log=False,
                proxy_headers=bool(settings.trusted_proxies), forwarded_allow_ips=settings.trusted_proxies or None,
                ws_per_message_deflate=False)  # compressing each event for 10K sockets costs more than it saves


@cli.command()
def worker() -> None:
    """Run queued jobs (fan-out of popular accounts' posts) and timed work (scheduled posts, ended polls)."""
    from spark.services.scheduler import run_forever

    _open_files_as_allowed()
    asyncio.run(run_forever(load_settings()))


@users_cli.command("create")
def users_create(name: str, email: str = typer.Option(...), password: str = typer.Option(...),
                 admin: bool = typer.Option(False, "--admin")) -> None:
    """Create a local user."""
    from spark.domain.errors import SparkError
    from spark.runtime import Runtime
    from spark.services.accounts import create_local_account

    async def run() -> int:
        rt = Runtime.from_settings(load_settings())
        try:
            return await create_local_account(rt, username=name, email=email, password=password, admin=admin)
        finally:
            await rt.close()

    try:
        account_id = asyncio.run(run())
    except SparkError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created @{name} (id {account_id}){' as admin' if admin else ''}")


@cli.command()
def token(name: str, scopes: str = typer.Option("read write follow push", "--scopes")) -> None:
    """Print a new access token for a local user (for scripts)."""
    from spark.domain import scopes as scope_rules
    from spark.domain.errors import SparkError
    from spark.runtime import Runtime
    from spark.services.accounts import find_by_acct
    from spark.services.tokens import issue

    async def run() -> str:
        rt = Runtime.from_settings(load_settings())
        try:
            account = await find_by_acct(rt, name)
            if account.domain:
                raise SystemExit("error: not a local account")
            issued = await issue(rt, user_id=account.id, app_id=None, scopes=scope_rules.parse(scopes),
                                 with_refresh=False)
            return issued.access_token
        finally:
            await rt.close()

    try:
        typer.echo(asyncio.run(run()))
    except SparkError as exc:
        typer.echo(f"error: {exc.message} ({name})", err=True)
        raise typer.Exit(1) from None


def _with_runtime(action):
    from spark.domain.errors import SparkError
    from spark.runtime import Runtime

    async def run():
        rt = Runtime.from_settings(load_settings())
        try:
            return await action(rt)
        finally:
            await rt.close()

    try:
        return asyncio.run(run())
    except SparkError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None


@domains_cli.command("block")
def domains_block(domain: str, severity: str = typer.Option("suspend", help="suspend | silence")) -> None:
    """Block a server: suspend (nothing in or out) or silence (its accounts limited)."""
    from spark.services import domains

    affected = _with_runtime(lambda rt: domains.set_severity(rt, domain, severity))
    typer.echo(f"{domain}: {severity} ({affected} known accounts)")


@domains_cli.command("unblock")
def domains_unblock(domain: str) -> None:
    """Lift a block."""
    from spark.services import domains

    _with_runtime(lambda rt: domains.set_severity(rt, domain, "none"))
    typer.echo(f"{domain}: unblocked")


@domains_cli.command("list")
def domains_list() -> None:
    """Blocked domains and domains that fail deliveries."""
    from spark.services import domains

    for row in _with_runtime(domains.listing):
        since = f", unavailable since {row.unavailable_since:%Y-%m-%d %H:%M}" if row.unavailable_since else ""
        typer.echo(f"{row.domain}  {row.severity}  failures={row.failures}{since}")


@cli.command("reports")
def reports_list() -> None:
    """Open reports to moderators (from local users and from other servers)."""
    from spark.services import reports

    for row in _with_runtime(reports.open_reports):
        reporter = row.reporter_username + (f"@{row.reporter_domain}" if row.reporter_domain else "")
        target = row.target_username + (f"@{row.target_domain}" if row.target_domain else "")
        typer.echo(f"{row.id}  {row.created_at:%Y-%m-%d %H:%M}  {reporter} -> {target}  [{row.category}] "
                   f"posts={len(row.status_ids)}  {row.comment[:80]!r}")


@announcements_cli.command("publish")
def announcements_publish(text: str, starts_at: datetime | None = typer.Option(None, formats=["%Y-%m-%dT%H:%M"]),
                          ends_at: datetime | None = typer.Option(None, formats=["%Y-%m-%dT%H:%M"]),
                          all_day: bool = typer.Option(False, "--all-day")) -> None:
    """Publish an announcement (times in UTC)."""
    from spark.services import announcements

    starts_at, ends_at = (moment.replace(tzinfo=UTC) if moment else None for moment in (starts_at, ends_at))
    announcement_id = _with_runtime(lambda rt: announcements.publish(rt, text, starts_at=starts_at, ends_at=ends_at,
                                                                     all_day=all_day))
    typer.echo(f"published announcement {announcement_id}")


@announcements_cli.command("remove")
def announcements_remove(announcement_id: int) -> None:
    """Take an announcement down, with its reactions."""
    from spark.services import announcements

    _with_runtime(lambda rt: announcements.remove(rt, announcement_id))
    typer.echo(f"removed announcement {announcement_id}")


def _redacted(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def main() -> None:
    cli(sys.argv[1:])


if __name__ == "__main__":
    main()
