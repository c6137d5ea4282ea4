"""Tiny apps for the example vassals in uwsgi/examples/, one per way a vassal file can name its WSGI
app (docs/apps.md, "Entry styles"). Each answers any path with JSON naming its style and the SCRIPT_NAME
and PATH_INFO nginx passed, so an answer shows which example served it and where it is mounted.

None of them defines `application`, uWSGI's default callable name: a vassal whose callable setting
uWSGI ignored would find no app and stop (need-app) instead of answering.
"""
