import subprocess
import sys


def test_importing_chat_and_extractive_loads_no_heavy_libraries():
    code = ("import sys, chat; from chat import make_backend, Answer, Citation; "
            "b = make_backend('extractive'); b.answer('q', []); "
            "heavy = [m for m in sys.modules if m.split('.')[0] in ('langchain_core', 'langchain_openai', 'openai', "
            "'torch', 'httpx', 'httpx2')]; print(heavy); assert not heavy, heavy")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_unknown_export_is_an_attribute_error():
    import chat

    try:
        chat.NoSuchThing  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
