"""An app factory, called by uWSGI (`module = examples.factory:create_app()`, uwsgi/examples/factory.ini):
the module holds no app, so any answer at all shows that the factory ran."""

from flask import Flask, request


def create_app():
    app = Flask(__name__)

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def whoami(path):
        return {
            "style": "factory",
            "script_name": request.environ["SCRIPT_NAME"],
            "path_info": request.environ["PATH_INFO"],
        }

    return app
