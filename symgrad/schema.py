"""The version of symgrad's JSON documents.

Every JSON document symgrad writes (``render(d, "json")``, each ``--format json``
of the command line) is one object whose ``"schema"`` names this version. Within
a version, keys are only ever added; a key removed or changed in meaning raises
the number. Numbers are JSON numbers (``"value"``); exact forms stay alongside
as text (``"sympy"``, ``"text"``, ``"latex"``).
"""

JSON_SCHEMA = "symgrad/1"
