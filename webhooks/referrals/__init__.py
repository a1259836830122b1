"""The referral directory: services by need and place, for the bot and the console.

``init_referrals(app)`` registers the lookup API (/api/referrals), the console pages
(/console/referrals) and the ``flask referrals`` commands; importing this package also
registers the models on ``db.metadata`` so Alembic sees them.
"""

from __future__ import annotations

from flask import Flask

from webhooks.referrals import models  # noqa: F401  (tables on db.metadata)


def init_referrals(app: Flask) -> None:
    from webhooks.referrals.api import referrals_api
    from webhooks.referrals.cli import referrals_cli
    from webhooks.referrals.console import referrals_console

    app.register_blueprint(referrals_api)
    app.register_blueprint(referrals_console)
    app.cli.add_command(referrals_cli)
