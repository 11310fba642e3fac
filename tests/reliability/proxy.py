"""A small asyncio TCP proxy that injects network faults between a connector and a sandbox.

``FaultProxy(upstream_port).start()`` listens on 127.0.0.1 (OS-chosen port) in its own
thread and event loop.  ``mode`` can be switched at any time:

- ``"pass"``   forward both ways;
- ``"reset"``  accept, then abort the connection with a TCP RST (SO_LINGER 0);
- ``"stall"``  accept and read, never answer (the client's timeout must fire);
- ``"drip"``   forward, but send the response a few bytes at a time with pauses;
- ``"cut"``    forward the request, send half of the first response chunk, then close.

``faults`` counts connections that met a fault (for the figures in docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading


class FaultProxy:
    """TCP proxy with switchable faults; thread-safe ``mode`` switch."""

    def __init__(self, upstream_port: int, *, drip_bytes: int = 7, drip_delay: float = 0.002) -> None:
        self.upstream_port = upstream_port
        self.mode = "pass"
        self.faults = 0
        self.connections = 0
        self.drip_bytes = drip_bytes
        self.drip_delay = drip_delay
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        fut.result(timeout=10)
        return self

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def _stop() -> None:
            if self._server is not None:
                self._server.close()
            for t in list(self._tasks):
                t.cancel()
        asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            await asyncio.gather(self._requests(reader, writer, up_w), self._responses(up_r, writer))
        except (ConnectionError, asyncio.CancelledError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
            self._tasks.discard(task)

    def _reset(self, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async def _requests(self, src: asyncio.StreamReader, client: asyncio.StreamWriter,
                        dst: asyncio.StreamWriter) -> None:
        """Client → sandbox.  The mode is read per chunk, so kept-alive connections fault too."""
        try:
            while data := await src.read(65536):
                mode = self.mode
                if mode == "reset":
                    self.faults += 1
                    self._reset(client)
                    dst.transport.abort()
                    return
                if mode == "stall":
                    self.faults += 1
                    continue  # swallowed: no answer ever comes
                dst.write(data)
                await dst.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                dst.close()

    async def _responses(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        """Sandbox → client: whole, cut in half, or dripped."""
        try:
            while data := await src.read(65536):
                mode = self.mode
                if mode == "cut":
                    self.faults += 1
                    dst.write(data[: max(1, len(data) // 2)])
                    await dst.drain()
                    dst.transport.abort()
                    return
                if mode == "drip":
                    self.faults += 1
                    for i in range(0, len(data), self.drip_bytes):
                        dst.write(data[i:i + self.drip_bytes])
                        await dst.drain()
                        await asyncio.sleep(self.drip_delay)
                else:
                    dst.write(data)
                    await dst.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                dst.close()
