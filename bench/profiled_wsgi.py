"""coopfed's WSGI app under cProfile, for ``bench.http_load --profile``: run it on one
gunicorn worker with one thread (cProfile follows one thread), and it writes the
profile of every request it served so far to $COOPFED_BENCH_PROFILE (and how many
to its .count) every 50 requests and when the worker exits."""

import atexit
import cProfile
import os

from federation.wsgi import app as _served

_profile = cProfile.Profile()
_out = os.environ["COOPFED_BENCH_PROFILE"]
_count = 0


def _dump() -> None:
    _profile.dump_stats(_out)
    with open(_out + ".count", "w") as count:
        count.write(str(_count))


atexit.register(_dump)


def app(environ, start_response):
    """Profile the request, and reading its whole answer, as gunicorn would."""
    global _count
    _profile.enable()
    try:
        result = _served(environ, start_response)
        body = list(result)
        if hasattr(result, "close"):
            result.close()
    finally:
        _profile.disable()
    _count += 1
    if _count % 50 == 0:
        _dump()
    return body
