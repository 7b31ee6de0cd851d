"""A new database is built by each app's few migrations, and it is what the models say.

The test database itself is built by running the migrations, so these tests read it back.
"""

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
from django.db.migrations.state import ProjectState

PRODUCT_APPS = ("partners", "jobs", "clients", "licenses", "accounts")


def test_the_migrations_state_is_the_models():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    changes = MigrationAutodetector(
        loader.project_state(),
        ProjectState.from_apps(apps),
        NonInteractiveMigrationQuestioner(specified_apps=set(PRODUCT_APPS), dry_run=True),
    ).changes(graph=loader.graph, trim_to_apps=set(PRODUCT_APPS))
    assert changes == {}


def test_each_app_is_built_by_a_few_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for app in PRODUCT_APPS:
        names = [name for label, name in loader.disk_migrations if label == app]
        assert 1 <= len(names) <= 5, (app, names)


def _product_models():
    for app in PRODUCT_APPS:
        yield from apps.get_app_config(app).get_models()


@pytest.mark.django_db
def test_every_model_has_its_table_with_its_columns():
    tables = set(connection.introspection.table_names())
    for model in _product_models():
        table = model._meta.db_table
        assert table in tables, table
        with connection.cursor() as cursor:
            columns = {
                c.name for c in connection.introspection.get_table_description(cursor, table)
            }
        expected = {field.column for field in model._meta.concrete_fields}
        assert columns == expected, table


@pytest.mark.django_db
def test_every_index_and_constraint_of_the_models_is_in_the_database():
    for model in _product_models():
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(cursor, model._meta.db_table)
        for named in (*model._meta.indexes, *model._meta.constraints):
            if getattr(named, "condition", None) is not None and not (
                connection.features.supports_partial_indexes
            ):
                continue
            assert named.name in found, (model._meta.db_table, named.name)


def _index_definitions(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return dict(cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_gets_the_search_indexes_and_the_fill_factor():
    indexes = _index_definitions("clients_client")
    assert "gin_trgm_ops" in indexes["client_search_name_trgm"]
    assert "gin_trgm_ops" in indexes["client_cpf_cnpj_trgm"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'clients_client'")
        assert cursor.fetchone()[0] == ["fillfactor=90"]
        cursor.execute("SELECT portal_unaccent('Açougue São João')")
        assert cursor.fetchone()[0] == "Acougue Sao Joao"


@pytest.mark.postgres
@pytest.mark.django_db
def test_unique_text_columns_have_no_second_index_for_like():
    """Codes and keys are looked up whole: no `varchar_pattern_ops` copy of their index."""
    for table in ("clients_client", "clients_registrationcode"):
        assert not [d for d in _index_definitions(table).values() if "pattern_ops" in d], table


@pytest.mark.django_db
def test_the_status_tally_triggers_are_installed():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'clients_client'::regclass "
                "AND NOT tgisinternal"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {row[0] for row in cursor.fetchall()}
    expected = {"clients_statustally_insert", "clients_statustally_update"}
    assert expected | {"clients_statustally_delete"} <= names
