"""Loaded by path (uwsgi/examples/wsgi-file.ini: `wsgi-file` + `callable = app`), the way Flask's
own uWSGI docs run a single-file app."""

from flask import Flask, request

app = Flask(__name__)


@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def whoami(path):
    return {
        "style": "wsgi-file",
        "script_name": request.environ["SCRIPT_NAME"],
        "path_info": request.environ["PATH_INFO"],
    }
