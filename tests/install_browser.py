"""Make sure Debian's chromium is there for the browser tests (Playwright cannot download browsers here)."""
import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"

if os.path.exists(CHROMIUM):
    sys.exit(0)
if shutil.which("apt-get") is None or os.geteuid() != 0:
    sys.exit(f"The browser tests need Debian's chromium at {CHROMIUM}: run `sudo apt-get install -y chromium`.")
subprocess.run(["apt-get", "update", "-q"], check=True)
subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=True)
