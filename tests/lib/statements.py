"""The SQL of the statement table in src/lib/db.c, for tests and benchmarks
that must send exactly what the programs send."""
import os
import re

SRCDIR = os.environ.get("OCIM_SRCDIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def statement(name):
    """The SQL of STMT_<NAME> (e.g. statement("PIPELINE_UPSERT")): its string
    literals joined, as the compiler joins them."""
    with open(os.path.join(SRCDIR, "src", "lib", "db.c")) as f:
        text = f.read()
    m = re.search(r'\[STMT_%s\]\s*=\s*\{\s*"[a-z_]+",((?:\s*"(?:[^"\\]|\\.)*")+)' % re.escape(name), text)
    if not m:
        raise LookupError("STMT_%s not found in src/lib/db.c" % name)
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))).replace('\\"', '"').replace("\\\\", "\\")
