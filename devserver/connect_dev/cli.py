"""connect-dev command line: init, seed, token, serve."""

from __future__ import annotations

import argparse
import base64
import os
import signal
import sqlite3
import stat
import sys
import threading

from . import CONNECT_VERSION, __version__, credentials, items, tokens
from .util import ApiError, is_id, parse_duration


VAULT_TYPES = ("USER_CREATED", "PERSONAL", "EVERYONE", "TRANSFER")


class CliError(Exception):
    pass


def default_data_dir(environ=None) -> str:
    """Like the real containers: $XDG_DATA_HOME/.op/data, else ~/.op/data
    (/home/opuser/.op/data in the images)."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_DATA_HOME") or os.path.expanduser("~")
    return os.path.join(base, ".op", "data")


def _data_dir(args) -> str:
    return os.path.abspath(args.data or default_data_dir())


def _open_store(data_dir: str):
    from .store import Store

    return Store(data_dir)


# -- init ------------------------------------------------------------------------------
def _private_dir(data: str) -> None:
    """Create the data directory (0700), or check that an existing one belongs
    to this user and that nobody else can write to it: whoever can write there
    can swap the credentials file, which holds the token-signing key."""
    try:
        os.makedirs(data, mode=0o700)
    except FileExistsError:
        pass
    info = os.stat(data)
    if not stat.S_ISDIR(info.st_mode):
        raise CliError("refusing to use %s: it is not a directory" % data)
    if info.st_uid != os.geteuid():
        raise CliError("refusing to use %s: it belongs to uid %d, not to you (uid %d); "
                       "use a directory of your own" % (data, info.st_uid, os.geteuid()))
    if info.st_mode & 0o022:
        raise CliError("refusing to use %s: others can write to it (mode %03o); "
                       "use a directory only you can write to (chmod 700)" % (data, stat.S_IMODE(info.st_mode)))


def _private_file(path: str) -> None:
    """An existing data file must be this user's regular file; its mode is made 0600."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise CliError("refusing to use %s: it is not a regular file (a symlink?)" % path)
    if info.st_uid != os.geteuid():
        raise CliError("refusing to use %s: it belongs to uid %d, not to you" % (path, info.st_uid))
    if info.st_mode & 0o077:
        os.chmod(path, 0o600)
        print("connect-dev: %s was mode %03o; it is now 0600" % (path, stat.S_IMODE(info.st_mode)), file=sys.stderr)


def cmd_init(args) -> int:
    from .store import DB_NAME

    data = _data_dir(args)
    path = os.path.join(data, credentials.CREDENTIALS_NAME)
    _private_dir(data)
    for name in (credentials.CREDENTIALS_NAME, DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
        _private_file(os.path.join(data, name))
    if os.path.exists(path) and not args.force:
        credentials.load_file(path)  # an unusable existing file is an error
        print("connect-dev: %s already exists; keeping it (use --force to replace it)" % path, file=sys.stderr)
    else:
        credentials.write_new(path)
        print("connect-dev: wrote new credentials %s" % path, file=sys.stderr)
    _open_store(data).close()
    print(path)
    return 0


# -- seed ------------------------------------------------------------------------------
def _file_content(spec: dict, where: str) -> bytes:
    if "content_base64" in spec:
        try:
            return base64.b64decode(str(spec["content_base64"]), validate=True)
        except ValueError:
            raise CliError("%s: content_base64 is not valid base64" % where) from None
    content = spec.get("content", "")
    if isinstance(content, bytes):
        return content
    if not isinstance(content, str):
        raise CliError("%s: content must be a string" % where)
    return content.encode("utf-8")


def seed(store, doc, editor: str = "connect-dev seed") -> dict:
    """Add the vaults/items/files of a seed document; items are matched by title
    (an existing item of the same title is replaced, keeping its id).

    All or nothing: the whole document is one transaction."""
    if not isinstance(doc, dict) or not isinstance(doc.get("vaults"), list):
        raise CliError("the seed file must be a mapping with a 'vaults' list")
    try:
        with store.write():
            return _seed(store, doc, editor)
    except CliError as exc:
        raise CliError("%s (nothing was seeded)" % exc) from None


def _seed(store, doc, editor: str) -> dict:
    counts = {"vaults": 0, "items": 0, "files": 0}
    for vi, vspec in enumerate(doc["vaults"]):
        where = "vaults[%d]" % vi
        if not isinstance(vspec, dict) or not isinstance(vspec.get("name"), str) or not vspec["name"]:
            raise CliError("%s: each vault needs a name" % where)
        description = str(vspec.get("description") or "")
        vault = None
        if vspec.get("id"):
            if not is_id(vspec["id"]):
                raise CliError("%s: id must be 26 lowercase letters and digits" % where)
            vault = store.get_vault(vspec["id"])
        if vault is None:
            found = store.find_vaults(vspec["name"])
            vault = found[0] if found else None
        vtype = str(vspec.get("type") or "USER_CREATED").upper()
        if vtype not in VAULT_TYPES:
            raise CliError("%s: type must be one of %s" % (where, ", ".join(VAULT_TYPES)))
        if vault is None:
            vault = store.create_vault(vspec["name"], description, vault_id=vspec.get("id"), vtype=vtype)
        elif description and description != vault["description"]:
            store.update_vault(vault["id"], description)
        counts["vaults"] += 1
        # Re-seeding replaces items in place: the n-th item of a title in the file
        # matches the n-th stored item of that title (duplicates stay duplicates).
        existing = {}
        for it in store.list_items(vault["id"]):
            existing.setdefault(it["title"], []).append(it)
        for ii, ispec in enumerate(vspec.get("items") or []):
            iwhere = "%s.items[%d]" % (where, ii)
            if not isinstance(ispec, dict):
                raise CliError("%s: each item must be a mapping" % iwhere)
            body = {k: v for k, v in ispec.items() if k not in ("files", "id")}
            if ispec.get("files") and not body.get("category"):
                body["category"] = "DOCUMENT"
            try:
                matches = existing.get(ispec.get("title", "")) or []
                current = matches.pop(0) if matches else None
                item = items.normalize_item(body, vault["id"], existing=current, editor=editor, creatable_only=False)
                if current is None:
                    if ispec.get("id"):
                        if not is_id(ispec["id"]):
                            raise CliError("%s: id must be 26 lowercase letters and digits" % iwhere)
                        item["id"] = ispec["id"]
                    store.insert_item(item)
                else:
                    store.update_item(vault["id"], current["id"], lambda _cur, new=item: new)
            except ApiError as exc:
                raise CliError("%s (%s): %s" % (iwhere, ispec.get("title", ""), exc.message)) from None
            except sqlite3.IntegrityError:
                raise CliError("%s (%s): id %s is already used by another item" % (
                    iwhere, ispec.get("title", ""), ispec.get("id"))) from None
            counts["items"] += 1
            files = []
            for fi, fspec in enumerate(ispec.get("files") or []):
                fwhere = "%s.files[%d]" % (iwhere, fi)
                if not isinstance(fspec, dict) or not isinstance(fspec.get("name"), str) or not fspec["name"]:
                    raise CliError("%s: each file needs a name" % fwhere)
                section = fspec.get("section")
                section_id = section.get("id") if isinstance(section, dict) else section
                files.append({"name": fspec["name"], "content": _file_content(fspec, fwhere), "section_id": section_id})
            if files or current is not None:
                store.replace_files(vault["id"], item["id"], files)
            counts["files"] += len(files)
    return counts


def cmd_seed(args) -> int:
    import yaml

    data = _data_dir(args)
    try:
        with open(args.file, encoding="utf-8") as handle:
            doc = yaml.safe_load(handle)
    except OSError as exc:
        raise CliError("cannot read seed file %s: %s" % (args.file, exc.strerror)) from None
    except yaml.YAMLError as exc:
        raise CliError("seed file %s is not valid YAML: %s" % (args.file, exc)) from None
    store = _open_store(data)
    try:
        counts = seed(store, doc)
    finally:
        store.close()
    print("seeded %(vaults)d vault(s), %(items)d item(s), %(files)d file(s)" % counts)
    return 0


# -- token -----------------------------------------------------------------------------
def cmd_token(args) -> int:
    data = _data_dir(args)
    creds = credentials.locate(data, args.credentials)
    if not args.vault:
        raise CliError("name at least one vault: --vault NAME:r|w|rw")
    store = _open_store(data)
    acls = {}
    try:
        for spec in args.vault:
            name, sep, mode = spec.rpartition(":")
            if not sep or not name or not mode or set(mode) - {"r", "w"}:
                raise CliError("invalid --vault %r: use NAME:r, NAME:w or NAME:rw" % spec)
            vault = store.get_vault(name) if is_id(name) else None
            if vault is None:
                found = store.find_vaults(name)
                if not found:
                    raise CliError("no vault named %r in %s (seed it first)" % (name, data))
                if len(found) > 1:
                    raise CliError("%d vaults are named %r: pass the vault id instead" % (len(found), name))
                vault = found[0]
            acls[vault["id"]] = "".join(sorted(set(acls.get(vault["id"], "") + mode)))
    finally:
        store.close()
    expires = None
    if args.expires:
        try:
            expires = parse_duration(args.expires)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    print(tokens.issue(creds, acls, expires, name=args.name))
    return 0


# -- serve -----------------------------------------------------------------------------
def _env_int(environ, name: str, default):
    value = environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise CliError("%s must be an integer, got %r" % (name, value)) from None


def serve_config(args, environ=None) -> dict:
    environ = os.environ if environ is None else environ
    cert = args.tls_cert or environ.get("OP_TLS_CERT_FILE") or None
    key = args.tls_key or environ.get("OP_TLS_KEY_FILE") or None
    if bool(cert) != bool(key):
        raise CliError("TLS needs both a certificate and a key (--tls-cert/--tls-key or OP_TLS_CERT_FILE/OP_TLS_KEY_FILE)")
    for label, path in (("certificate", cert), ("key", key)):
        if path and not os.path.isfile(path):
            raise CliError("TLS %s file %s not found" % (label, path))
    if args.port is not None:
        port = args.port
    elif cert:
        port = _env_int(environ, "OP_HTTPS_PORT", 8443)
    else:
        port = _env_int(environ, "OP_HTTP_PORT", 8080)
    if not 0 <= port <= 65535:
        raise CliError("port %d is out of range" % port)
    level = (args.log_level or environ.get("OP_LOG_LEVEL") or "info").lower()
    from .server import LOG_LEVELS

    if level not in LOG_LEVELS:
        raise CliError("unknown log level %r (use error, warn, info or debug)" % level)
    return {
        "data": _data_dir(args),
        "host": args.host or "127.0.0.1",
        "port": port,
        "cert": cert,
        "key": key,
        "role": args.role or environ.get("CONNECT_DEV_ROLE") or "api",
        "log_level": level,
        "max_inline_kb": _env_int(environ, "OP_MAX_INLINE_FILE_SIZE_KB", 100),
        "connection_limits": connection_limits(environ),
    }


def connection_limits(environ) -> dict:
    """The connection cap and read timeouts, from CONNECT_DEV_* variables."""
    from . import server

    out = {"max_connections": _env_int(environ, "CONNECT_DEV_MAX_CONNECTIONS", server.MAX_CONNECTIONS)}
    if out["max_connections"] < 1:
        raise CliError("CONNECT_DEV_MAX_CONNECTIONS must be at least 1")
    for key, name, default in (("idle_timeout", "CONNECT_DEV_IDLE_TIMEOUT", server.IDLE_TIMEOUT),
                               ("header_timeout", "CONNECT_DEV_HEADER_TIMEOUT", server.HEADER_TIMEOUT),
                               ("body_timeout", "CONNECT_DEV_BODY_TIMEOUT", server.BODY_TIMEOUT)):
        value = environ.get(name)
        try:
            out[key] = default if value in (None, "") else float(value)
        except ValueError:
            raise CliError("%s must be a number of seconds, got %r" % (name, value)) from None
        if not 0 < out[key] <= 3600:
            raise CliError("%s must be between 0 and 3600 seconds" % name)
    return out


def cmd_serve(args) -> int:
    from .server import AccessLog, App, make_server
    from .store import Store

    cfg = serve_config(args)
    if cfg["role"] not in ("api", "sync"):
        raise CliError("unknown role %r (use api or sync)" % cfg["role"])
    try:
        creds = credentials.locate(cfg["data"], args.credentials)
    except credentials.CredentialsError as exc:
        raise CliError("refusing to start: %s" % exc) from None
    log_stream = sys.stderr
    if args.log_file:
        log_stream = open(args.log_file, "a", encoding="utf-8", buffering=1)
    log = AccessLog(log_stream, cfg["log_level"])
    store = Store(cfg["data"])
    app = App(store, creds, role=cfg["role"], log=log, max_inline_kb=cfg["max_inline_kb"])
    try:
        server = make_server(app, cfg["host"], cfg["port"], cfg["cert"], cfg["key"], **cfg["connection_limits"])
    except OSError as exc:
        raise CliError("cannot listen on %s:%d: %s" % (cfg["host"], cfg["port"], exc.strerror or exc)) from None
    port = server.server_address[1]
    scheme = "https" if cfg["cert"] else "http"
    log.info("connect-dev %s (Connect %s) %s role listening on %s://%s:%d, data %s" % (
        __version__, CONNECT_VERSION, cfg["role"], scheme, cfg["host"], port, cfg["data"]))
    log.info("at most %d connections at once; read timeouts: idle %gs, headers %gs, body %gs" % (
        server.max_connections, server.idle_timeout, server.header_timeout, server.body_timeout))
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="ascii") as handle:
            handle.write("%d\n" % port)
        os.replace(tmp, args.port_file)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    flusher_stop = threading.Event()

    def flusher():
        while not flusher_stop.wait(1.0):
            try:
                store.flush_activity()
            except Exception:  # storage trouble is reported by /health
                pass

    threading.Thread(target=flusher, daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        flusher_stop.set()
        server.server_close()
        store.close()
        log.info("connect-dev stopped")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="connect-dev", description="A 1Password Connect compatible dev server.")
    parser.add_argument("--version", action="version", version="connect-dev %s (Connect API %s)" % (__version__, CONNECT_VERSION))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def data_arg(p):
        p.add_argument("--data", metavar="DIR", help="data directory (default: $XDG_DATA_HOME/.op/data or ~/.op/data)")

    p = sub.add_parser("init", help="create the data directory and a new credentials file")
    data_arg(p)
    p.add_argument("--force", action="store_true", help="replace an existing credentials file (invalidates old tokens)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("seed", help="add vaults, items and files from a YAML file")
    data_arg(p)
    p.add_argument("file", metavar="FILE.yml")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("token", help="print a new access token")
    data_arg(p)
    p.add_argument("--vault", action="append", metavar="NAME:r|w|rw", help="grant access to a vault (repeatable)")
    p.add_argument("--expires", metavar="DURATION", help="lifetime, e.g. 30m, 1h, 7d (default: no expiry)")
    p.add_argument("--name", default="connect-dev", help="token name (a claim)")
    p.add_argument("--credentials", metavar="FILE", help="credentials file (default: DIR/1password-credentials.json)")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("serve", help="run the server")
    data_arg(p)
    p.add_argument("--host", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: $OP_HTTP_PORT or 8080; with TLS $OP_HTTPS_PORT or 8443; 0 = any free port)")
    p.add_argument("--tls-cert", metavar="FILE", help="TLS certificate (PEM); default $OP_TLS_CERT_FILE")
    p.add_argument("--tls-key", metavar="FILE", help="TLS private key (PEM); default $OP_TLS_KEY_FILE")
    p.add_argument("--role", choices=("api", "sync"), help="api (the REST API, default) or sync (health endpoints only)")
    p.add_argument("--credentials", metavar="FILE",
                   help="credentials file (default: $OP_SESSION, DIR/1password-credentials.json, "
                   "DIR/../1password-credentials.json)")
    p.add_argument("--log-level", help="error, warn, info (default) or debug; default $OP_LOG_LEVEL")
    p.add_argument("--log-file", metavar="FILE", help="append the log here instead of stderr")
    p.add_argument("--port-file", metavar="FILE", help="write the bound port here once listening (useful with --port 0)")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CliError, credentials.CredentialsError) as exc:
        print("connect-dev: error: %s" % exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
