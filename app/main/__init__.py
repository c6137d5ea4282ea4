"""The starter Flask app: the vassal `main`, served by nginx at `/`."""

import os

from flask import Flask, render_template

app = Flask(__name__)

# uWSGI sets VASSAL_NAME from the vassal's file name (uwsgi/vassal-defaults.ini).
VASSAL = os.environ.get("VASSAL_NAME", "main")


@app.after_request
def name_the_vassal(response):
    # Shows which vassal (and worker) answered: useful when several apps share one nginx.
    response.headers["X-Vassal"] = f"{VASSAL}/{os.getpid()}"
    return response


@app.get("/")
def index():
    return render_template("index.html", vassal=VASSAL, pid=os.getpid())
