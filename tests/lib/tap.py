"""A tiny TAP producer for the black-box tests: register tests with @test,
call run(); each test is one TAP line, failures print their reason as
diagnostics.  The exit status is 1 when anything failed."""
import sys
import time
import traceback

_tests = []


class Skip(Exception):
    """Raised by a test that cannot run here: TAP "ok N - name # SKIP why"."""


def test(fn):
    _tests.append(fn)
    return fn


def run(setup=None, teardown=None, only=None):
    selected = [t for t in _tests if not only or any(o in t.__name__ for o in only)]
    print("1..%d" % len(selected), flush=True)
    failed = 0
    ctx = None
    try:
        ctx = setup() if setup else None
        for n, fn in enumerate(selected, 1):
            name = (fn.__doc__ or fn.__name__).strip().splitlines()[0]
            start = time.time()
            try:
                fn(ctx) if setup else fn()
                print("ok %d - %s (%.2fs)" % (n, name, time.time() - start), flush=True)
            except Skip as e:
                print("ok %d - %s # SKIP %s" % (n, name, e), flush=True)
            except Exception as e:
                failed += 1
                # the reason on the TAP line itself: harnesses that show only
                # the FAIL lines (automake's summary, a CI excerpt) keep it
                print("not ok %d - %s: %s" % (n, name, one_line(e)), flush=True)
                detail = traceback.format_exc() if not isinstance(e, AssertionError) else \
                    "".join(traceback.format_exception(type(e), e, e.__traceback__)[-2:])
                for line in detail.rstrip().splitlines():
                    print("# " + line, flush=True)
    except Exception:
        print("Bail out! setup failed", flush=True)
        for line in traceback.format_exc().splitlines():
            print("# " + line, flush=True)
        failed += 1
    finally:
        try:
            if teardown and ctx is not None:
                teardown(ctx)
        finally:
            # what a setup that failed half-way had started (a teardown
            # without its context cannot know): the servers of stack.py
            stack = sys.modules.get("stack")
            for st in list(getattr(stack, "STARTED", ())):
                st.stop()
    return 1 if failed else 0


def one_line(e, limit=300):
    """An exception as one line for a TAP description: its type unless it is
    an assertion, no "#" (TAP would read a directive), cut at limit."""
    text = " ".join(str(e).split()) or type(e).__name__
    if not isinstance(e, AssertionError):
        text = "%s: %s" % (type(e).__name__, text)
    text = text.replace("#", "No.")
    return text if len(text) <= limit else text[:limit - 3] + "..."


def eq(actual, expected, what=""):
    if actual != expected:
        raise AssertionError("%s: expected %r, got %r" % (what or "value", expected, actual))
