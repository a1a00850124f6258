"""A database that goes away and comes back, for the tests of api/unavailable.py.

PostgreSQL: the app reaches the server through a TCP proxy on a free loopback port; cutting
it closes every connection and leaves nothing listening (as a stopped or unreachable server
does), restoring it listens again. SQLite: the database file moves away and a directory
takes its place (as when its volume is lost); restoring moves it back. The
app's engine is disposed around the move: SQLite deletes its WAL file by name when the last
connection closes, so no connection may stay open across it.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from pathlib import Path

from sqlalchemy.engine import make_url

from domain.db import Database

from tests.servers import free_port


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


class TcpProxy:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port, self.listen_port = host, port, free_port()
        self.server: asyncio.Server | None = None
        self.open: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.listen_port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            writer.close()
            return
        self.open |= {writer, upstream_writer}
        try:
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            self.open -= {writer, upstream_writer}

    async def cut(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.open):
            writer.close()
        self.open.clear()
        await asyncio.sleep(0.05)  # let the closed connections be noticed

    async def stop(self) -> None:
        await self.cut()


class Outage:
    """Cut and restore the database at `url`; `app_url` is the URL the app must use."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.proxy: TcpProxy | None = None
        self.path: Path | None = None
        if parsed.get_backend_name() == "sqlite":
            self.path = Path(parsed.database or "")
            self.app_url = url
        else:
            self.proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
            self.app_url = parsed.set(host="127.0.0.1", port=self.proxy.listen_port).render_as_string(
                hide_password=False)

    async def __aenter__(self) -> Outage:
        if self.proxy is not None:
            await self.proxy.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.restore()
        if self.proxy is not None:
            await self.proxy.stop()

    def _files(self) -> list[Path]:
        assert self.path is not None
        return [self.path.with_name(self.path.name + suffix) for suffix in ("", "-wal", "-shm")]

    async def cut(self, database: Database) -> None:
        if self.proxy is not None:
            await self.proxy.cut()
            return
        await database.dispose()
        for file in self._files():
            if file.exists():
                file.rename(file.with_name(file.name + ".away"))
        assert self.path is not None
        self.path.mkdir()

    async def restore(self, database: Database | None = None) -> None:
        if self.proxy is not None:
            if self.proxy.server is None:
                await self.proxy.start()
            return
        if database is not None:
            await database.dispose()
        assert self.path is not None
        if self.path.is_dir():
            self.path.rmdir()
        for file in self._files():
            away = file.with_name(file.name + ".away")
            if away.exists():
                away.rename(file)
