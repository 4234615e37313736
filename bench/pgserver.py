"""The benchmarks' throwaway databases, on the PostgreSQL server that a DATABASE_URL names."""

from urllib.parse import urlsplit, urlunsplit


def on_server(url, *statements):
    """Run statements on the server's maintenance database, outside any transaction block
    (CREATE and DROP DATABASE cannot run in one)."""
    import psycopg2

    parts = urlsplit(url)
    connection = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


def fresh_database(url, name):
    """Drop and create the database ``name``; its URL, on the same server."""
    on_server(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def drop_database(url, name):
    on_server(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
