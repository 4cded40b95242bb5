"""Unbound extension objects, initialised by the app factory."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from console.db import db

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate()

__all__ = ["babel", "csrf", "db", "login_manager", "migrate"]
