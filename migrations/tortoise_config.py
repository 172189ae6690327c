"""Config for Tortoise's own CLI when developers write a migration (never used at run time).

    .venv/bin/tortoise -c migrations.tortoise_config.TORTOISE_ORM makemigrations --name what_changed
    .venv/bin/tortoise -c migrations.tortoise_config.TORTOISE_ORM sqlmigrate jobs 0002_...

Read the ``sqlmigrate`` output before committing: on SQLite an AlterField/RemoveField rebuilds
the table (see README, "Migrations"), and tests/db/test_migrations.py must pass on a seeded DB.
"""

TORTOISE_ORM = {
    "connections": {"jobs": "sqlite://:memory:"},
    "apps": {
        "jobs": {"models": ["db.models"], "default_connection": "jobs", "migrations": "migrations.jobs"}
    },
}
