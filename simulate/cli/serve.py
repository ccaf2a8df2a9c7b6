"""``racecall serve DIR``: the results pages over HTTP (the standard library's server)."""

from __future__ import annotations

import sys
from pathlib import Path

from .options import HelpFormatter, whole


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("serve", help="serve a watch directory's results pages over HTTP",
                              formatter_class=HelpFormatter)
    p.add_argument("directory", metavar="DIR", help="the --out directory of racecall watch")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=whole(0, 65535), default=8000, help="port (0: any free port)")
    p.set_defaults(handler=run)


def run(args) -> int:
    import functools
    import http.server

    from ..errors import RacecallError

    root = Path(args.directory)
    if not root.is_dir():
        raise RacecallError(f"{root}: not a directory")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, fmt, *a):  # one quiet line per request on stderr
            sys.stderr.write(f"{self.address_string()} {fmt % a}\n")

        def end_headers(self):
            self.send_header("Cache-Control", "no-cache")
            super().end_headers()

    handler = functools.partial(Handler, directory=str(root))
    try:
        server = http.server.ThreadingHTTPServer((args.host, args.port), handler)
    except OSError as exc:
        raise RacecallError(f"--port {args.port}: cannot listen on {args.host}: {exc.strerror or exc}") from None
    host, port = server.server_address[:2]
    print(f"Serving {root} at http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
