"""``opsprep-voice desktop-install [--uninstall]``: add the app to (or remove it from) the user's
application menu. The work is in :mod:`opsprep_voice.core.desktop_install`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from opsprep_voice.cli import CliError
from opsprep_voice.core.desktop_install import DesktopInstallError, install, uninstall


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "desktop-install",
        help="add the app to your application menu (Linux; no root)",
        description="Install the desktop entry and icons into $XDG_DATA_HOME (default ~/.local/share), "
        "launching this installation of the app; --uninstall removes exactly what was installed.",
    )
    parser.add_argument("--uninstall", action="store_true", help="remove what desktop-install installed")
    parser.add_argument(
        "--force", action="store_true", help="replace files at the targets that another install left"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        raise CliError(
            "desktop entries are for Linux and BSD desktops (XDG); on Windows and macOS start the "
            "bundle's executable or pin it from the file manager"
        )
    try:
        report = uninstall() if args.uninstall else install(force=args.force)
    except (DesktopInstallError, OSError) as exc:
        raise CliError(str(exc)) from exc
    if args.uninstall:
        if not report.removed and not report.kept:
            print(f"Nothing to remove: no desktop install recorded in {report.data_home}.")
        for path in report.removed:
            print(f"removed {path}")
        for path in report.kept:
            print(f"kept {path} (changed since it was installed)")
    else:
        icons = len(report.written) - 1
        print(f"Installed the OpsPrep Voice menu entry and {icons} icons in {report.data_home}")
        print(f"Exec={report.exec_line}")
    if report.tools:
        print("refreshed with: " + ", ".join(dict.fromkeys(report.tools)))
    return 0
