from django.db import connection

from licenses.api import api_view, json_response


@api_view("GET")
def select_1(request):
    """The check-in benchmark's reference: the API's floor plus one round trip to the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return json_response({"ok": True})
