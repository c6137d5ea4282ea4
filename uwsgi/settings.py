"""Imported by every vassal before its app (uwsgi/vassal-defaults.ini: import): the app's own
settings, as app/entrypoint.sh resolved them (app/settings.sh) into APP_SETTINGS_DIR/NAME.env, one
KEY=value per line, put into os.environ verbatim. (uWSGI's own `env` option would expand a $(…) in
a value.) No file: the vassal was added at runtime for an app without one."""

import os

try:
    with open(f"{os.environ['APP_SETTINGS_DIR']}/{os.environ['VASSAL_NAME']}.env", encoding="utf-8") as lines:
        os.environ.update(line.rstrip("\n").split("=", 1) for line in lines)
except FileNotFoundError:
    pass
