"""A bare Flask "hello" for ``bench.http_load``: the floor that coopfed's pages are
compared with, served by the same gunicorn configuration (deploy/gunicorn.conf.py)::

    gunicorn -c deploy/gunicorn.conf.py bench.http_hello:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """The smallest page Flask can serve."""
    return "hello"
