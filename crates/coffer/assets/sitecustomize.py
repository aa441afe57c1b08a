"""coffer's zero-code DuckDB hook for flights.

The flight runner puts this file's directory first on PYTHONPATH and passes, in the
environment:

- COFFER_DUCKDB_SECRETS: a JSON array of strings, each one SQL statement
  `CREATE OR REPLACE TEMPORARY SECRET ...` registering one of the project's secrets, then
  `ATTACH ...` of each of the project's data sources;
- COFFER_DUCKDB_EXTENSION_DIR: coffer's DuckDB extension directory (holds httpfs), when
  it exists.

At startup this module takes both out of os.environ (so processes the program starts do not
inherit them) and keeps the statements in memory only. When the program imports `duckdb`,
`duckdb.connect` is wrapped so that every new connection gets the extension directory,
httpfs and the secrets; the module-level default connection (`duckdb.sql`, `duckdb.execute`,
`duckdb.read_parquet`, ...) gets them too. Programs that never import duckdb pay nothing
more than reading two environment variables. A `sitecustomize` found later on sys.path is
run after this one.

Python 3.8+, standard library only.
"""

import os
import sys

_SECRETS_VAR = "COFFER_DUCKDB_SECRETS"
_EXTENSION_DIR_VAR = "COFFER_DUCKDB_EXTENSION_DIR"


def _warn(message):
    try:
        sys.stderr.write("coffer: %s\n" % message)
        sys.stderr.flush()
    except Exception:
        pass


def _take_environment():
    """Reads and removes the two variables; returns (statements, extension_dir) or None."""
    raw = os.environ.pop(_SECRETS_VAR, None)
    extension_dir = os.environ.pop(_EXTENSION_DIR_VAR, None) or None
    if raw is None and extension_dir is None:
        return None
    statements = []
    if raw:
        import json

        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, list) and all(isinstance(s, str) for s in parsed):
            statements = parsed
        else:
            # Never echo the value: it holds secrets.
            _warn("%s is not a JSON array of strings; DuckDB gets no secrets" % _SECRETS_VAR)
        del raw, parsed
    return statements, extension_dir


def _secret_name(statement):
    """The secret's name in a CREATE SECRET statement, without reading its values."""
    import re

    m = re.match(
        r'\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+|PERSISTENT\s+)?SECRET\s+'
        r'(?:IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")*"|\w+)',
        statement,
        re.IGNORECASE,
    )
    if not m:
        return "?"
    name = m.group(1)
    if name.startswith('"'):
        name = name[1:-1].replace('""', '"')
    return name


def _sanitize(message):
    """The first line of a DuckDB message, every character inside '...' replaced by '*'."""
    first = (message.splitlines() or [""])[0]
    out, inside = [], False
    for ch in first:
        if ch == "'":
            inside = not inside
            out.append(ch)
        else:
            out.append("*" if inside else ch)
    return "".join(out)


def _source_name(statement):
    """The name in coffer's `ATTACH '...' AS "name" (...)` of a data source, else None."""
    import re

    m = re.match(r"\s*ATTACH\s+'(?:[^']|'')*'\s+AS\s+\"((?:[^\"]|\"\")*)\"", statement, re.IGNORECASE)
    return m.group(1).replace('""', '"') if m else None


def _sql_string(value):
    return "'" + value.replace("'", "''") + "'"


class _Hook(object):
    """Configures DuckDB connections with the statements it holds."""

    def __init__(self, statements, extension_dir):
        self._statements = statements
        self._extension_dir = extension_dir
        self._reported = set()

    def _httpfs_path(self, module):
        if not self._extension_dir:
            return None
        import glob

        version = str(getattr(module, "__duckdb_version__", "") or getattr(module, "__version__", ""))
        if not version.startswith("v"):
            version = "v" + version
        found = sorted(glob.glob(os.path.join(self._extension_dir, version, "*", "httpfs.duckdb_extension")))
        return found[0] if found else None

    def setup(self, module, con, config=None):
        """Extension directory, httpfs and secrets on `con`; never raises."""
        try:
            user_dir = isinstance(config, dict) and any(
                str(k).lower() == "extension_directory" for k in config
            )
            if self._extension_dir and not user_dir:
                try:
                    con.execute("SET extension_directory = " + _sql_string(self._extension_dir))
                except Exception:
                    pass  # read-only or locked configuration: httpfs is loaded by path below
            httpfs = self._httpfs_path(module)
            try:
                con.execute("LOAD " + (_sql_string(httpfs) if httpfs else "httpfs"))
            except Exception:
                pass  # without httpfs, s3:// secrets fail below and are reported
            for statement in self._statements:
                try:
                    con.execute(statement)
                except Exception as e:
                    self._report(statement, e)
        except Exception:
            pass

    def _report(self, statement, error):
        # DuckDB's message may quote the statement, values included: its first line only,
        # every '...' string in it masked (as coffer's own engine does).
        source = _source_name(statement)
        key = (source or _secret_name(statement), type(error).__name__)
        if key in self._reported:
            return
        self._reported.add(key)
        if source is not None:
            _warn("cannot attach data source '%s' (%s: %s); continuing without it" % (key[0], key[1], _sanitize(str(error))))
        else:
            _warn("DuckDB refused the secret '%s' (%s: %s); continuing without it" % (key[0], key[1], _sanitize(str(error))))

    def patch(self, module):
        """Wraps `module.connect` and `module.close` and sets up the default connection."""
        if getattr(getattr(module, "connect", None), "_coffer_wrapper", False):
            return  # already patched (importlib.reload runs exec_module again: patch again)
        import functools

        hook = self
        real_connect = getattr(module, "connect", None)
        if callable(real_connect):

            @functools.wraps(real_connect)
            def connect(*args, **kwargs):
                con = real_connect(*args, **kwargs)
                config = kwargs.get("config", args[2] if len(args) > 2 else None)
                hook.setup(module, con, config)
                return con

            connect._coffer_wrapper = True
            module.connect = connect

        def setup_default():
            default = getattr(module, "default_connection", None)
            if callable(default):
                try:
                    hook.setup(module, default())
                except Exception:
                    pass

        real_close = getattr(module, "close", None)
        if callable(real_close):

            @functools.wraps(real_close)
            def close(*args, **kwargs):
                result = real_close(*args, **kwargs)
                # Closing the default connection makes the next one a new database.
                if not args and kwargs.get("connection") is None:
                    setup_default()
                return result

            module.close = close

        setup_default()


class _DuckDBFinder(object):
    """A sys.meta_path finder that wraps the loader of `duckdb` to patch it when loaded."""

    def __init__(self, hook):
        self._hook = hook

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "duckdb":
            return None
        spec = None
        for finder in list(sys.meta_path):
            if finder is self:
                continue
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is None:
                continue
            try:
                spec = find_spec(fullname, path, target)
            except Exception:
                spec = None
            if spec is not None:
                break
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        real_exec = loader.exec_module
        hook = self._hook

        # The finder stays on sys.meta_path (one string comparison per import), so that
        # importlib.reload(duckdb) is patched again too.
        def exec_module(module):
            real_exec(module)
            hook.patch(module)

        try:
            loader.exec_module = exec_module
        except Exception:
            return spec  # a loader that cannot be patched: leave duckdb as it is
        return spec


def _install():
    taken = _take_environment()
    if taken is None:
        return
    hook = _Hook(*taken)
    existing = sys.modules.get("duckdb")
    if existing is not None:
        hook.patch(existing)
    else:
        sys.meta_path.insert(0, _DuckDBFinder(hook))


def _chain():
    """Runs the next `sitecustomize` on sys.path after this file's directory, if any."""
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        later = []
        seen = False
        for entry in sys.path:
            if seen:
                later.append(entry)
            elif isinstance(entry, str) and os.path.abspath(entry or os.curdir) == here:
                seen = True
        if not later:
            return
        import importlib.machinery
        import importlib.util

        spec = importlib.machinery.PathFinder.find_spec("sitecustomize", later)
        if spec is None or spec.loader is None:
            return
        chained = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(chained)
        globals()["chained_sitecustomize"] = chained
    except Exception as e:
        # As site.py reports a failing sitecustomize.
        _warn("error in the chained sitecustomize: %s: %s" % (type(e).__name__, e))


try:
    _install()
except Exception as _e:  # never keep Python from starting
    _warn("could not install the DuckDB hook (%s)" % type(_e).__name__)
_chain()
