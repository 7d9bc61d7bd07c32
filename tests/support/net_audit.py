"""Run a Python module with every network connection it tries from Python recorded and refused.

Usage: ``python tests/support/net_audit.py LOG MODULE [ARGS...]`` (or ``LOG -c CODE``). Each attempt to
reach an address other than loopback (connect, connect_ex, sendto, a name lookup) appends one JSON line
to ``LOG`` and fails as an unreachable network would. Sockets opened by C code bypass this; tests add
``strace`` for those.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import runpy
import socket
import sys
from typing import Any

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _is_local_host(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host is None or str(host).lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_local(sock: socket.socket, address: Any) -> bool:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return True  # AF_UNIX, netlink: never leave the machine
    return _is_local_host(address[0] if isinstance(address, tuple) else address)


def install(log_path: str) -> None:
    def record(kind: str, target: Any) -> None:
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"call": kind, "target": repr(target)}) + "\n")

    def refuse(kind: str, target: Any) -> OSError:
        record(kind, target)
        return OSError(errno.ENETUNREACH, f"network use refused by the audit ({kind} {target!r})")

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_sendto, real_getaddrinfo = socket.socket.sendto, socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if not _is_local(self, address):
            raise refuse("connect", address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not _is_local(self, address):
            refuse("connect_ex", address)
            return errno.ENETUNREACH
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        address = args[-1]
        if not _is_local(self, address):
            raise refuse("sendto", address)
        return real_sendto(self, data, *args)  # type: ignore[arg-type]

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_local_host(host):
            record("getaddrinfo", host)
            raise socket.gaierror(socket.EAI_NONAME, f"name lookup refused by the audit ({host!r})")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[assignment]
    socket.getaddrinfo = getaddrinfo


def main() -> None:
    log_path, module, *args = sys.argv[1:]
    install(log_path)
    if module == "-c":
        sys.argv = ["-c"]
        exec(compile(args[0], "<net_audit -c>", "exec"), {"__name__": "__main__"})
        return
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
