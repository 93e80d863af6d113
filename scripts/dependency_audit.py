"""The gate's dependency audit: pip-audit over the installed environment.

Fails on any known vulnerability. Where the vulnerability data cannot be reached (no route to PyPI's
JSON API or OSV, as on machines that reach only a package mirror), it says so and does not fail: an
audit that could not look is reported as skipped, never as clean.
"""

from __future__ import annotations

import json
import subprocess
import sys

TIMEOUT_SECONDS = 120


def main() -> int:
    command = [sys.executable, "-m", "pip_audit", "--local", "--format", "json", "--progress-spinner", "off"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        print(f"dependency audit skipped: pip-audit got no answer within {TIMEOUT_SECONDS} s")
        return 0
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        print(f"dependency audit skipped: pip-audit could not run ({reason})")
        return 0
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        print(
            f"dependency audit skipped: vulnerability data unreachable for all {len(dependencies)} packages"
        )
        return 0
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"VULNERABLE {dependency['name']} {dependency['version']}: {ids}")
    print(
        f"dependency audit: {len(audited)} packages audited, {len(vulnerable)} vulnerable, "
        f"{len(dependencies) - len(audited)} not found in the vulnerability data"
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
