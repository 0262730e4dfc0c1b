"""Renders chat templates as Hugging Face's apply_chat_template does (jinja2 sandbox, trim_blocks, lstrip_blocks,
loopcontrols, raise_exception). Reads [{"template", "variables"}] as JSON on stdin, writes [{"text"} | {"error"}]."""
import json
import sys

from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise TemplateError(message)


def main():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.globals["raise_exception"] = raise_exception
    results = []
    for case in json.load(sys.stdin):
        try:
            results.append({"text": env.from_string(case["template"]).render(**case["variables"])})
        except Exception as e:  # any failure: the C# side must refuse too
            results.append({"error": f"{type(e).__name__}: {e}"})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
