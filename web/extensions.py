"""Flask extensions, created unbound and init_app-ed by create_app()."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect

socketio = SocketIO()
login_manager = LoginManager()
csrf = CSRFProtect()
# One limiter for the whole app (login now; the complaint portal's limits can join it).
# Storage: RATELIMIT_STORAGE_URI, set by create_app from SIAGA_REDIS_URL, else memory.
limiter = Limiter(key_func=get_remote_address)
